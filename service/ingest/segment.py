"""Split article text into sentence spans, with French typography in mind.

pysbd does the heavy lifting: it is maintained, rule-based (no model to load),
has French rules, and already gets most hard cases right: "27,5", "1 200" with
any kind of space, "M.", "Mme", quoted sentences kept with their attribution
(« ... », a-t-il dit), em-dash dialogue. Measured on our hard cases it misses a
few things, which are patched here rather than by swapping libraries:

- it treats every newline as a sentence end, which cuts hard-wrapped lines;
- it splits after some abbreviations ("MM.", "av. J.-C.", "p. ex.", "U.S. ont");
- it splits URLs at "?" ("example.com/a?x=1");
- it does not split after a closing quote or an ellipsis that ends a sentence
  (« ... là. » Puis ... / Il attendait… Rien ne vint.).

We work on boundaries, not on pysbd's sentence strings, so no character of the
text can be lost or shifted: every span is an offset pair into the input.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

import pysbd
from pysbd.languages import LANGUAGE_CODES

Span = tuple[int, int]

# Abbreviations that (almost) never end a French or English sentence: a break
# right after one is pysbd being cautious the wrong way. "etc." and "U.S." are
# not here: both often do end a sentence (a lowercase word after them is
# caught by the lowercase rule below).
NON_FINAL_ABBREVIATIONS = {
    "M.", "MM.", "Mme", "Mme.", "Mmes", "Mlle", "Mlles", "Mgr", "Dr", "Dr.", "Pr", "Pr.",
    "Me", "Me.", "St", "St.", "Ste", "Ste.", "Mr.", "Mrs.", "Ms.", "Jr.", "Sr.", "vs.",
    "p.", "pp.", "ex.", "av.", "apr.", "cf.", "chap.", "vol.", "art.", "fig.", "réf.", "n°",
    "no.", "env.", "éd.", "coll.", "J.-C.", "c.-à-d.", "c-à-d.", "resp.", "approx.",
}

_LOWER_START = re.compile(r"[a-zà-ÿœæ]")
# A piece starting with one of these continues the sentence before it.
_CONTINUATION_START = re.compile(r"[,;:)\]}-]")
_CLOSING = "»”)]"
_INITIAL = re.compile(r"[A-ZÀ-Ý]\.")
_URL = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S*[^\s.,;:!?»”)\]'\"]", re.IGNORECASE)
_UPPER_AHEAD = r"(?=[«“\"]?\s?[A-ZÀ-Ý0-9])"
# Sentence ends pysbd misses; the break goes at the end of the match.
_MISSED_ENDS = [
    re.compile(r"[.!?…]\s?[»”\"]\s+" + _UPPER_AHEAD),  # « ... là. » Puis
    re.compile(r"(?:…|\.\.\.)\s+" + _UPPER_AHEAD),  # Il attendait… Rien ne vint.
]
_BLANK_LINE = re.compile(r"\n[ \t\u00a0\u202f]*\n")
# A single newline is a paragraph break, except inside hard-wrapped prose:
# a line ending mid-phrase followed by a line starting in lowercase.
_WRAPPED = re.compile(r"[a-zà-ÿ0-9,;’'-]\n[a-zà-ÿ]")


@lru_cache(maxsize=None)
def _segmenter(language: str) -> pysbd.Segmenter:
    # English rules are pysbd's most complete generic set: use them for
    # languages it does not know (and for "und").
    return pysbd.Segmenter(language=language if language in LANGUAGE_CODES else "en", clean=False)


def split_sentences(text: str, language: str = "fr") -> list[Span]:
    """Sentence spans (start, end) into `text`, trimmed, never across a paragraph break."""
    spans: list[Span] = []
    for block_start, block_end in _blocks(text):
        block = text[block_start:block_end]
        cuts = _fix_cuts(block, _pysbd_cuts(block, language))
        for start, end in zip(cuts, cuts[1:] + [len(block)]):
            start, end = _trim(block, start, end)
            if any(ch.isalnum() for ch in block[start:end]):  # drop empty / punctuation-only
                spans.append((block_start + start, block_start + end))
    return spans


def _blocks(text: str) -> list[Span]:
    """Paragraph spans: cut at blank lines, and at single newlines that are not hard wraps."""
    cuts = [0]
    for m in _BLANK_LINE.finditer(text):
        cuts.append(m.start())
        cuts.append(m.end())
    for m in re.finditer(r"\n", text):
        if not _WRAPPED.match(text, max(m.start() - 1, 0)):
            cuts.append(m.start())
    cuts.append(len(text))
    cuts = sorted(set(cuts))
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if text[a:b].strip()]


def _pysbd_cuts(block: str, language: str) -> list[int]:
    """Offsets in `block` where pysbd starts a sentence (always includes 0).

    pysbd's time grows with the square of the text it is given, so a long
    paragraph is read in windows of `WINDOW` characters: each window starts
    where a sentence starts, and only the cuts pysbd finds before its last
    `MARGIN` characters are kept (near the window's end pysbd sees a truncated
    sentence); the next window starts at the last kept cut. Each sentence is
    decided with the same text around it as in one pass, in time linear in
    the paragraph's length."""
    # Same length, so offsets stay valid: the newlines left here are hard wraps.
    flat = block.replace("\n", " ")
    if len(flat) <= WINDOW:
        return _pysbd_window(flat, 0, len(flat), language)
    cuts, start = [0], 0
    while True:
        end = min(start + WINDOW, len(flat))
        found = _pysbd_window(flat, start, end, language)
        if end == len(flat):
            cuts.extend(found)
            break
        kept = [c for c in found if c <= end - MARGIN]
        cuts.extend(kept)
        # No sentence start past this window's own: a very long sentence; read on from inside it.
        start = kept[-1] if kept and kept[-1] > start else end - MARGIN
    return sorted(set(cuts))


# Window and margin for long paragraphs (see `_pysbd_cuts`): pysbd reads
# ~2,000 characters in a few milliseconds, and no rule it applies looks
# further than a few words around a candidate boundary.
WINDOW = 2000
MARGIN = 400


def _pysbd_window(flat: str, start: int, end: int, language: str) -> list[int]:
    """pysbd's sentence starts in flat[start:end], as offsets into `flat` (always includes `start`)."""
    window = flat[start:end]
    cuts, cursor = [start], 0
    for sentence in _segmenter(language).processor(window).process():
        sentence = sentence.strip()
        if not sentence:
            continue
        at = window.find(sentence, cursor)
        if at < 0:  # pysbd rewrote some whitespace: match it loosely
            loose = r"\s*".join(map(re.escape, sentence.split()))
            m = re.compile(loose).search(window, cursor)
            if not m:
                continue  # its text stays inside the neighbouring span
            at, stop = m.span()
        else:
            stop = at + len(sentence)
        cuts.append(start + at)
        cursor = stop
    return cuts


def _fix_cuts(block: str, cuts: list[int]) -> list[int]:
    """pysbd's cuts, with its misses patched (see the module notes). Linear in len(block):
    quotation depths and URL spans are computed once, and no rule copies the rest of the block."""
    candidates = {m.end() for pattern in _MISSED_ENDS for m in pattern.finditer(block)}
    depth = _quote_depths(block, sorted(candidates))
    cuts = set(cuts) | {c for c in candidates if depth[c] == 0}  # never split inside a quotation
    urls = _url_spans(block)

    fixed: list[int] = [0]
    for cut in sorted(cuts - {0}):
        # A piece starting with a closing quote belongs to the sentence before it.
        while cut < len(block) and (block[cut] in _CLOSING or block[cut].isspace()):
            cut += 1
        if cut >= len(block) or cut <= fixed[-1]:
            continue
        if _continues(block, fixed[-1], cut) or _inside(urls, cut):
            continue
        fixed.append(cut)
    return fixed


def _continues(block: str, start: int, cut: int) -> bool:
    """True when a break at `cut` (the sentence so far starting at `start`) is not a sentence end."""
    if _LOWER_START.match(block, cut) or _CONTINUATION_START.match(block, cut):
        return True
    # Only the last word before the break matters; abbreviations are short.
    tail = block[max(start, cut - 64) : cut].split()
    last = tail[-1].lstrip("(«“\"'") if tail else ""
    return last in NON_FINAL_ABBREVIATIONS or bool(_INITIAL.fullmatch(last))


def _url_spans(block: str) -> list[Span]:
    return [m.span() for m in _URL.finditer(block)]


def _inside(spans: list[Span], pos: int) -> bool:
    """Is `pos` strictly inside one of the (sorted, disjoint) spans?"""
    i = bisect.bisect_left(spans, (pos,)) - 1
    return i >= 0 and spans[i][0] < pos < spans[i][1]


def _quote_depths(block: str, positions: list[int]) -> dict[int, int]:
    """How many « or “ are open just before each of the (sorted) positions, in one pass."""
    depths, depth, at = {}, 0, 0
    for pos in positions:
        for ch in block[at:pos]:
            if ch in "«“":
                depth += 1
            elif ch in "»”" and depth:
                depth -= 1
        at = pos
        depths[pos] = depth
    return depths


def _trim(block: str, start: int, end: int) -> Span:
    while start < end and block[start].isspace():
        start += 1
    while end > start and block[end - 1].isspace():
        end -= 1
    return start, end
