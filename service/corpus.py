"""The corpus: ingest files into the index and search it.

One application object that the CLI, the HTTP API and the benchmarks share,
so that they all do exactly the same thing. Models are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from service.config import Config
from service.errors import InvalidInput, RecoupeError
from service.index import PassageIndex
from service.ingest.article import Article
from service.ingest.loaders import iter_files, load_file
from service.ingest.pipeline import passages_for
from service.ingest.reasons import error_entry

# Articles per index transaction: a crash loses at most this many, and the
# FAISS cache is rewritten once per chunk rather than once per article.
CHUNK_ARTICLES = 64


@dataclass
class IngestSummary:
    files: int = 0
    articles_added: int = 0
    articles_replaced: int = 0
    duplicates_skipped: int = 0  # articles already indexed with the same content
    passages_added: int = 0
    errors: list[dict] = field(default_factory=list)  # {"file", "error" (English), "code", "values"}: ingest/reasons.py

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class Corpus:
    def __init__(self, config: Config, embedder):
        self.config = config
        self.embedder = embedder
        self.index = PassageIndex.from_config(config, dim=embedder.dim)
        self._passage_bar = None

    def close(self) -> None:
        self.index.close()

    # ------------------------------------------------------------- ingestion

    def ingest_paths(self, paths, progress: bool = False) -> IngestSummary:
        """Ingest files and folders; one bad file is reported, never fatal."""
        files = list(iter_files(paths))
        summary = IngestSummary(files=len(files))
        pending: list[Article] = []
        bar = _progress(files, progress)
        # A second bar counts embedded passages: one big .jsonl is one "file".
        self._passage_bar = _passage_bar(progress)
        for path in bar:
            try:
                pending.extend(load_file(path, errors=summary.errors))
            except RecoupeError as exc:
                summary.errors.append(error_entry(str(path), exc))
            except RecursionError:
                summary.errors.append(error_entry(str(path), None, "file_too_deep"))
            except (OSError, UnicodeError, ValueError) as exc:
                summary.errors.append(error_entry(str(path), exc, "file_unreadable", why=str(exc)))
            if len(pending) >= CHUNK_ARTICLES:
                self._add(pending, summary)
                pending = []
            if progress:
                bar.set_postfix(passages=summary.passages_added, errors=len(summary.errors), refresh=False)
        self._add(pending, summary)
        if self._passage_bar is not None:
            self._passage_bar.close()
            self._passage_bar = None
        return summary

    def ingest_articles(self, articles: list[Article], progress: bool = False, strict: bool = False) -> IngestSummary:
        """Ingest articles; one that cannot be split into passages is listed in the summary's errors,
        or with `strict` raises before anything of its chunk is stored (the API's all-or-nothing)."""
        summary = IngestSummary()
        self._passage_bar = _passage_bar(progress)
        for i in range(0, len(articles), CHUNK_ARTICLES):
            self._add(articles[i : i + CHUNK_ARTICLES], summary, strict=strict)
        if self._passage_bar is not None:
            self._passage_bar.close()
            self._passage_bar = None
        return summary

    def _add(self, articles: list[Article], summary: IngestSummary, strict: bool = False) -> None:
        items, texts = [], []
        for article in articles:
            if self.index.content_hash_of(article.id) == article.content_hash:
                summary.duplicates_skipped += 1
                continue
            try:
                passages = passages_for(article)
            except RecoupeError as exc:
                if strict:
                    raise
                summary.errors.append(error_entry(article.path or article.id, exc))
                continue
            items.append((article, passages))
            texts.extend(p.text for p in passages)
        if not items:
            return
        vectors = self.embedder.encode_passages(texts)
        if getattr(self, "_passage_bar", None) is not None:
            self._passage_bar.update(len(texts))
        batch, at = [], 0
        for article, passages in items:
            batch.append((article, passages, vectors[at : at + len(passages)]))
            at += len(passages)
        report = self.index.add(batch)
        summary.articles_added += report.articles_added
        summary.articles_replaced += report.articles_replaced
        summary.duplicates_skipped += report.articles_unchanged
        summary.passages_added += report.passages_added

    # ---------------------------------------------------------------- search

    def search(self, text: str, k: int = 10, **filters):
        text = (text or "").strip()
        if not text:
            raise InvalidInput("the search text is empty")
        vector = self.embedder.encode_queries([text])[0]
        return self.index.search(vector, k, **filters)

    def delete(self, article_id: str) -> int:
        return self.index.delete_article(article_id)

    def stats(self) -> dict:
        return self.index.stats()


def open_corpus(config: Config, embedder=None) -> Corpus:
    from service.models.registry import get_models

    return Corpus(config, embedder or get_models(config).embedder)


def _progress(items, enabled: bool):
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, unit="file", desc="ingest", dynamic_ncols=True)


def _passage_bar(enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(unit="passage", desc="embed", dynamic_ncols=True)
