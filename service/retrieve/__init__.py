"""Retrieve: candidate passages for a claim, dense (FAISS) and lexical (BM25), fused."""
