"""Cutting text into runs to emphasise, and links fit to show, for the templates (display only)."""

from __future__ import annotations

from service.links import safe_url  # the one rule; the page's templates call it as highlight.safe_url


def runs(text: str, values) -> list[tuple[str, bool]]:
    """`text` cut into (piece, emphasised) runs, each of `values` (a rule finding's value as written in the
    passage) emphasised where it occurs, case-insensitively; overlapping matches merge."""
    spans = []
    low = text.lower()
    for value in {v for v in values if v}:
        needle, at = value.lower(), 0
        while (i := low.find(needle, at)) >= 0:
            spans.append((i, i + len(needle)))
            at = i + len(needle)
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, at = [], 0
    for start, end in merged:
        if start > at:
            out.append((text[at:start], False))
        out.append((text[start:end], True))
        at = end
    if at < len(text):
        out.append((text[at:], False))
    return out


def around(text: str, start, end) -> tuple[str, str, str] | None:
    """(before, passage, after) of an article's text at the passage's character offsets, or None when the
    offsets do not fit the text."""
    try:
        start, end = int(start), int(end)
    except (TypeError, ValueError):
        return None
    if not 0 <= start < end <= len(text):
        return None
    return text[:start], text[start:end], text[end:]
