"""How a passage becomes the premise of a stance pair, the same in serving and in training (the
lab's pairs, lab/stance/pairs.py, are written with it too)."""

from __future__ import annotations


def with_context(context: str | None, passage: str) -> str:
    """The premise format for a passage with a short context (an article title)."""
    if not context:
        return passage
    return f"{context.strip().rstrip('.')}. {passage}"
