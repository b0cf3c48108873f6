"""Article -> passages: the unit the index stores and the stance model reads."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from service.limits import MAX_PASSAGE_CHARS, MAX_PASSAGES_PER_ARTICLE

from .article import Article, Passage
from .clean import is_debris
from .language import detect_language
from .loaders import iter_files, load_file
from .reasons import refusal
from .segment import split_sentences

# A passage needs this many words to carry a claim. Under it we see
# fragments ("Vraiment.", "Photo AFP", "Leave a Reply"), not statements; a
# real two-word claim is rare enough in news prose to lose.
MIN_WORDS = 3

# `(?<!\S)`: a bare domain link is only looked for from the start of a token. Without it `\S+\.com/` was
# retried from every position of a long token, reading the rest of it each time (quadratic: 128,000
# characters took 17 s). The matches are the same: a link found from inside a token is found from its start.
_LINKS = re.compile(r"https?://\S+|www\.\S+|(?<!\S)\S+\.(?:com|fr|org|net)/\S*|[@#]\w+")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_CREDIT = re.compile(r"^\s*(©|\(c\)|cr[ée]dits?\b|photo\s*:)", re.IGNORECASE)


def passages_for(article: Article) -> list[Passage]:
    """Sentence passages of `article`, in order, without debris or repeats.

    `InvalidInput` when none is left (an article nobody could find is not
    stored), `TooLarge` past MAX_PASSAGES_PER_ARTICLE."""
    kept: list[tuple[int, int, str]] = []
    seen: set[str] = set()
    for start, end in _bounded(article.text, split_sentences(article.text, article.language)):
        text = article.text[start:end]
        key = _dedupe_key(text)
        if not key or key in seen or _is_fragment(text):
            continue
        seen.add(key)
        kept.append((start, end, text))
        if len(kept) > MAX_PASSAGES_PER_ARTICLE:
            raise refusal("too_many_sentences", id=article.id, limit=MAX_PASSAGES_PER_ARTICLE,
                          detail={"article": article.id, "limit": MAX_PASSAGES_PER_ARTICLE})
    if not kept:
        raise refusal("no_passage", id=article.id, words=MIN_WORDS, detail={"article": article.id})

    passages = []
    for i, (start, end, text) in enumerate(kept):
        passages.append(
            Passage(
                article_id=article.id,
                position=i,
                text=text,
                start=start,
                end=end,
                language=detect_language(text, default=article.language),
                # Neighbours are kept passages: debris would be useless context.
                prev_text=kept[i - 1][2] if i > 0 else "",
                next_text=kept[i + 1][2] if i + 1 < len(kept) else "",
            )
        )
    return passages


def load_and_split(path: str | Path) -> list[tuple[Article, list[Passage]]]:
    """Load a file or a folder of files and split every article into passages."""
    return [(article, passages_for(article)) for file in iter_files(path) for article in load_file(file)]


def _bounded(text: str, spans):
    """The spans, each cut into pieces of at most MAX_PASSAGE_CHARS (at the last space before the limit
    when there is one), trimmed; offsets stay offsets into `text`."""
    for start, end in spans:
        while end - start > MAX_PASSAGE_CHARS:
            limit = start + MAX_PASSAGE_CHARS
            cut = text.rfind(" ", start + 1, limit + 1)
            cut = cut if cut > start else limit
            yield start, len(text[start:cut].rstrip()) + start
            start = cut
            while start < end and text[start].isspace():
                start += 1
        if start < end:
            yield start, end


def _is_fragment(text: str) -> bool:
    """Debris-like pieces that survive line cleaning because they sit inside a paragraph."""
    if is_debris(text) or _CREDIT.match(text):
        return True
    return len(_WORD.findall(_LINKS.sub(" ", text))) < MIN_WORDS


def _dedupe_key(text: str) -> str:
    # Same words in the same order = same passage, whatever the quotes,
    # punctuation, case or spacing.
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_WORD.findall(text))
