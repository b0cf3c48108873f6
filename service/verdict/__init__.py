"""Verdict: weigh the stance of each evidence passage into one answer."""
