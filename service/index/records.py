"""What the index hands back: search hits, add reports and light article views."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from service.ingest.article import Article, Passage


@dataclass(frozen=True)
class ArticleRef:
    """The part of an article a result list shows; the full text stays in the store."""

    id: str
    title: str
    source: str
    url: str | None
    published_at: str | None
    language: str

    @classmethod
    def of(cls, article: Article) -> "ArticleRef":
        return cls(article.id, article.title, article.source, article.url, article.published_at, article.language)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Hit:
    """One retrieved passage. `score` is the inner product (cosine for normalised vectors)."""

    passage_id: int  # the FAISS id; stable until the article is replaced or deleted
    passage: Passage
    article: ArticleRef
    score: float
    rank: int  # 1 for the best hit

    def to_dict(self) -> dict:
        return {
            "passage_id": self.passage_id,
            "passage": self.passage.to_dict(),
            "article": self.article.to_dict(),
            "score": self.score,
            "rank": self.rank,
        }


@dataclass
class AddReport:
    """What one `PassageIndex.add` call changed."""

    articles_added: int = 0
    articles_replaced: int = 0  # same id, new content: old passages removed first
    articles_unchanged: int = 0  # same id and content hash: skipped
    passages_added: int = 0
    passages_removed: int = 0  # the old passages of replaced articles

    def to_dict(self) -> dict:
        return asdict(self)
