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
    """Offsets in `block` where pysbd starts a sentence (always includes 0)."""
    # Same length, so offsets stay valid: the newlines left here are hard wraps.
    flat = block.replace("\n", " ")
    cuts, cursor = [0], 0
    for sentence in _segmenter(language).processor(flat).process():
        sentence = sentence.strip()
        if not sentence:
            continue
        at = flat.find(sentence, cursor)
        if at < 0:  # pysbd rewrote some whitespace: match it loosely
            loose = r"\s*".join(map(re.escape, sentence.split()))
            m = re.compile(loose).search(flat, cursor)
            if not m:
                continue  # its text stays inside the neighbouring span
            at, end = m.span()
        else:
            end = at + len(sentence)
        cuts.append(at)
        cursor = end
    return sorted(set(cuts))


def _fix_cuts(block: str, cuts: list[int]) -> list[int]:
    cuts = set(cuts)
    for pattern in _MISSED_ENDS:
        for m in pattern.finditer(block):
            if _quote_depth(block, m.end()) == 0:  # never split inside a quotation
                cuts.add(m.end())

    fixed: list[int] = [0]
    for cut in sorted(cuts - {0}):
        # A piece starting with a closing quote belongs to the sentence before it.
        while cut < len(block) and (block[cut] in _CLOSING or block[cut].isspace()):
            cut += 1
        if cut >= len(block) or cut <= fixed[-1]:
            continue
        before = block[fixed[-1] : cut].rstrip()
        after = block[cut:]
        if _continues(before, after) or _inside_url(block, cut):
            continue
        fixed.append(cut)
    return fixed


def _continues(before: str, after: str) -> bool:
    """True when a break between `before` and `after` is not a sentence end."""
    if _LOWER_START.match(after) or _CONTINUATION_START.match(after):
        return True
    last = before.split()[-1].lstrip("(«“\"'") if before.split() else ""
    return last in NON_FINAL_ABBREVIATIONS or bool(_INITIAL.fullmatch(last))


def _inside_url(block: str, cut: int) -> bool:
    return any(m.start() < cut < m.end() for m in _URL.finditer(block))


def _quote_depth(block: str, pos: int) -> int:
    depth = 0
    for ch in block[:pos]:
        if ch in "«“":
            depth += 1
        elif ch in "»”" and depth:
            depth -= 1
    return depth


def _trim(block: str, start: int, end: int) -> Span:
    while start < end and block[start].isspace():
        start += 1
    while end > start and block[end - 1].isspace():
        end -= 1
    return start, end
