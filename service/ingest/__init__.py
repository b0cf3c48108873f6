"""Ingest: files -> cleaned articles -> sentence-level passages."""
