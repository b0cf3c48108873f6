"""The two records that flow from ingestion into the index."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field


@dataclass
class Article:
    """A cleaned article. Passage offsets point into `text`."""

    id: str
    title: str
    text: str
    source: str
    url: str | None = None
    published_at: str | None = None  # ISO 8601 date (or year-month) when known
    language: str = "und"
    path: str | None = None  # file it came from, when it came from a file

    @property
    def content_hash(self) -> str:
        # Hash what the index depends on: re-ingesting an unchanged article is a no-op.
        h = hashlib.sha256()
        for part in (self.title, self.text, self.source, self.url or "", self.published_at or "", self.language):
            h.update(part.encode("utf-8"))
            h.update(b"\x00")
        return h.hexdigest()

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Passage:
    """One sentence-level claim of an article, with what a reader needs around it."""

    article_id: str
    position: int  # index of the sentence within the article
    text: str
    start: int  # character offsets into Article.text: text == article.text[start:end]
    end: int
    language: str
    prev_text: str = ""  # neighbouring sentences, so a stance model knows who "la star" is
    next_text: str = ""
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)
