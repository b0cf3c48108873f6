"""Cutting text into runs to emphasise, and links fit to show, for the templates (display only)."""

from __future__ import annotations

from service.links import safe_url  # the one rule; the page's templates call it as highlight.safe_url


def runs(text: str, findings) -> list[tuple[str, bool]]:
    """`text` (a passage) cut into (piece, emphasised) runs: every value the findings compared is
    emphasised at its offsets in the passage (Finding.passage_values), whatever its case or accents and
    however many values a finding holds; overlapping values merge. Nothing is searched for."""
    spans = [(v.start, v.end) for f in findings for v in f.passage_values
             if 0 <= v.start < v.end <= len(text) and text[v.start:v.end] == v.text]
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
