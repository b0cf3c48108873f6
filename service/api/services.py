"""The application object the HTTP views call: the corpus and the verifier.

Built once per process (`build_services`) and shared by the threads of that
process. A pre-forking server builds it in each worker, after the fork: the
index (a SQLite connection, a lock file) and the model runtimes must not be
shared across a fork (see `service/cli/serve_cmd.py`).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading

from flask import current_app

from service.api.errors import Unavailable
from service.config import Config
from service.corpus import Corpus
from service.ingest.article import Article

# The JSON record -> Article rules of `recoupe ingest`, so an article posted to
# the API is cleaned, dated and identified exactly like one in a .json file.
from service.ingest.loaders import article_from_record
from service.ingest.reasons import phrase
from service.verify_options import VerifyOptions


class Services:
    def __init__(self, corpus: Corpus, verifier=None):
        self.corpus = corpus
        self.verifier = verifier  # None: the index answers but claims cannot be verified
        self._desk = None
        self._desk_lock = threading.Lock()

    def close(self) -> None:
        if self._desk is not None:
            self._desk.store.close()
        self.corpus.close()

    @property
    def desk(self):
        """Saved checks and reviews (service/history/), opened on first use beside the index."""
        with self._desk_lock:
            if self._desk is None:
                from service.history import Desk, HistoryStore

                self._desk = Desk(self.corpus, HistoryStore.in_dir(self.corpus.index.data_dir), self.verifier)
            return self._desk

    # ------------------------------------------------------------ verification

    def verify(self, claim: str, **options):
        """options: a request's loaded fields (top_k, languages, sources, dates), as VerifyOptions takes them."""
        return self._verifier().verify(claim, VerifyOptions.of(options))

    def verify_many(self, claims: list[str], **options):
        return self._verifier().verify_many(claims, VerifyOptions.of(options))

    def _verifier(self):
        if self.verifier is None:
            raise Unavailable("claim verification is not available on this server: the stance model is not loaded")
        return self.verifier

    # ------------------------------------------------------------ articles

    def add_articles(self, records: list[dict]) -> dict:
        """Ingest JSON records; an article without an id gets one derived from its content."""
        articles: list[Article] = []
        for n, record in enumerate(records):
            record = {k: v for k, v in record.items() if v is not None}
            record.setdefault("id", _derived_id(record))
            where = phrase("the_article") if len(records) == 1 else phrase("article_n", n=n)
            articles.append(article_from_record(record, where=where))
        summary = self.corpus.ingest_articles(articles, strict=True)
        return {"ids": [a.id for a in articles], **summary.to_dict()}

    def list_articles(self, limit: int, offset: int) -> dict:
        refs = self.corpus.index.list_articles(limit=limit, offset=offset)
        total = self.stats()["articles"]
        following = offset + len(refs)
        return {"articles": refs, "total": total, "limit": limit, "offset": offset,
                "next_offset": following if following < total else None}

    def get_article(self, article_id: str) -> dict:
        article = self.corpus.index.get_article(article_id)
        return {**article.to_dict(), "passages": self.corpus.index.passages_of(article_id)}

    def delete_article(self, article_id: str) -> dict:
        return {"id": article_id, "passages_removed": self.corpus.delete(article_id)}

    def update_article(self, article_id: str, **changes) -> dict:
        """An article's title, source, url or published_at changed in place (PassageIndex.update_metadata)."""
        self.corpus.index.update_metadata(article_id, **changes)
        return self.get_article(article_id)

    # ------------------------------------------------------------ state

    def stats(self) -> dict:
        return self.corpus.stats()

    def health(self) -> dict:
        stats = self.stats()
        models = {"embedder": self.corpus.embedder is not None, "stance": self.verifier is not None}
        return {
            "status": "ok" if all(models.values()) else "degraded",
            "models": models,
            "index": {"articles": stats["articles"], "passages": stats["passages"], "vectors": stats["faiss_vectors"],
                      **({"shards": stats["shards"]} if "shards" in stats else {})},
        }


def build_services(config: Config) -> Services:
    """Load the verifier (the corpus and every model) once for this process."""
    from service.verify import load_verifier

    verifier = load_verifier(config)
    return Services(verifier.corpus, verifier)


class ServiceHolder:
    """The Services of one app: given to `create_app`, or built on first use in each process.

    Building lazily keeps `create_app` light and lets a pre-forking server
    create the app before it forks: each worker opens its own index.
    """

    def __init__(self, config: Config, services: Services | None = None):
        self.config = config
        self._services = services
        self._given = services is not None
        self._pid = os.getpid()
        self._lock = threading.Lock()

    def get(self) -> Services:
        with self._lock:
            if not self._given and (self._services is None or self._pid != os.getpid()):
                self._services = build_services(self.config)
                self._pid = os.getpid()
            return self._services

    def close(self) -> None:
        with self._lock:
            if self._services is not None and not self._given and self._pid == os.getpid():
                self._services.close()
                self._services = None


def services() -> Services:
    """The current app's Services (inside a request)."""
    return current_app.extensions["recoupe"].get()


def _derived_id(record: dict) -> str:
    # The same article posted twice gets the same id (a no-op the second time).
    key = json.dumps([record.get(k) for k in ("source", "url", "title", "text")], ensure_ascii=False)
    return "api_" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
