"""Check a claim and save what was shown; reopen it with its reviews applied; review; export.

The one set of functions behind the page, `/v1/checks...`, `/v1/reviews/export`
and `recoupe reviews export`. Verification is `Verifier.verify`, the reviewed
verdict is `verdict.review.reverify`: nothing here decides anything itself.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from service.errors import InvalidInput, ModelMissing, NotFound
from service.history.export import review_rows
from service.history.store import NO_REASON, HistoryStore, Retraction, Review, SavedCheck
from service.limits import DEFAULT_TOP_K
from service.translations import N_  # messages said in the reader's language (errors.py)
from service.verdict.records import verification_from_dict, verification_record
from service.verdict.review import Action, reverify, reviewed_stance
from service.verdict.types import Stance, Verification


@dataclass
class CheckView:
    """A saved check as it is shown now: reviews applied, and whether the corpus moved on since."""

    check: SavedCheck
    original: Verification  # as first shown
    shown: Verification  # with the reviews applied (the original when there are none)
    reviews: dict[int, Review]  # evidence index -> its current review
    corpus_generation: int  # the corpus generation now
    retracted: dict[str, Retraction] = field(default_factory=dict)  # cited articles retracted since
    gone: set[str] = field(default_factory=set)  # cited articles deleted from the corpus since (not retracted)

    @property
    def corpus_changed(self) -> bool:
        return self.corpus_generation != self.check.generation

    @property
    def reviewed(self) -> bool:
        return bool(self.reviews)

    def to_dict(self) -> dict:
        c = self.check
        return {
            **c.summary(),  # the verdict and confidence of record, the models' own beside them
            "settings": c.settings, "models": c.models,
            "corpus": {"generation_then": c.generation, "generation_now": self.corpus_generation,
                       "changed": self.corpus_changed},
            "original": {"verdict": self.original.verdict.value, "confidence": self.original.confidence},
            "result": c.record,  # the record of record, as stored (reviewed when reviewed)
            "reviews": [self.reviews[i].to_dict() for i in sorted(self.reviews)],
            "articles_gone": sorted(self.gone),
            "retracted": [{"article_id": r.article_id, "title": r.title, "source": r.source, "reason": r.reason,
                           "retracted_at": r.retracted_at} for r in self.retracted.values()],
        }


class Desk:
    def __init__(self, corpus, store: HistoryStore, verifier=None, verdict_model=None):
        self.corpus = corpus
        self.store = store
        self.verifier = verifier
        self._verdict_model = verdict_model if verdict_model is not None else getattr(verifier, "verdict", None)
        # A desk file from before the verdict of record was stored: decide it once for its reviewed checks.
        store.settle_pending(self.verdict_of_record)

    # ------------------------------------------------------------ checks

    def check(self, claim: str, **options) -> SavedCheck:
        """Verify one claim (the same call as POST /v1/verify) and save what it returned."""
        return self.check_many([claim], **options)[0]

    def check_many(self, claims: list[str], batch: tuple[str, list[int]] | None = None,
                   **options) -> list[SavedCheck]:
        """Verify claims as one batch through the models (`Verifier.verify_many`) and save the checks
        together (attached to their rows of a page batch when `batch` is given: store.save_checks)."""
        if self.verifier is None:
            raise ModelMissing("claim verification is not available on this server: the stance model is not loaded")
        generation = self.corpus.index.generation
        from service.verify_options import VerifyOptions

        results = self.verifier.verify_many(claims, VerifyOptions.of(options))
        settings = {"top_k": options.get("top_k", DEFAULT_TOP_K),
                    **{k: options[k] for k in ("languages", "sources", "date_from", "date_to", "include_undated")
                       if options.get(k)}}
        entries = [(v.claim, v.language, v.verdict, v.confidence, settings, generation, self.model_versions(),
                    verification_record(v), [s.article_id for e in v.evidence for s in e.sources]) for v in results]
        return self.store.save_checks(entries, batch)

    def open(self, check_id: str) -> CheckView:
        saved = self.store.get_check(check_id)
        reviews = self.store.current_reviews(check_id)
        if reviews and not saved.reviewed:  # reviewed before the verdict of record was stored
            self.store.settle_pending(self.verdict_of_record)
            saved = self.store.get_check(check_id)
        original = verification_from_dict(saved.model_record)
        shown = verification_from_dict(saved.record)  # the verdict of record, as stored by the last review
        cited = {s.article_id for e in original.evidence for s in e.sources}
        retracted = self.store.retractions(cited)
        # deleted since (a retraction says why; a plain deletion only that the article is no longer there)
        gone = {a for a in cited - set(retracted) if not self._in_corpus(a)}
        return CheckView(saved, original, shown, reviews, self.corpus.index.generation, retracted, gone)

    def history(self, query: str = "", verdict: str | None = None, article_id: str | None = None,
                limit: int = 50, offset: int = 0, **filters) -> tuple[list[SavedCheck], int]:
        """Saved checks by their verdict of record; `filters`: checked_from, checked_until, status, assignee
        (HistoryStore.list_checks)."""
        return self.store.list_checks(query, verdict, article_id, limit, offset, **filters)

    def set_workflow(self, check_id: str, status: str | None = None, assignee: str | None = None) -> CheckView:
        self.store.set_workflow(check_id, status, assignee)
        return self.open(check_id)

    def retract(self, article_id: str, reason: str) -> tuple[Retraction, int]:
        """Take an article out of the corpus (`Corpus.delete`, as DELETE /v1/articles does) and keep why, so that
        every saved check that cited it says it was retracted. Returns the retraction and the passages removed."""
        article = self.corpus.index.get_article(article_id)
        if not (reason or "").strip():
            raise InvalidInput(NO_REASON)
        removed = self.corpus.delete(article_id)
        return self.store.retract(article.id, article.title, article.source, reason), removed

    # ------------------------------------------------------------ reviews

    def review(self, check_id: str, item: int, action: str, reviewer: str, stance: str | None = None,
               note: str = "") -> CheckView:
        saved = self.store.get_check(check_id)
        evidence = saved.model_record.get("evidence", [])
        if not 0 <= item < len(evidence):
            raise InvalidInput(N_("check %(id)s has evidence items 0 to %(last)s, not %(item)s"),
                               values={"id": check_id, "last": len(evidence) - 1, "item": item})
        action = Action(action)
        if action == Action.STANCE and stance is None:
            raise InvalidInput(N_("a stance review names the stance: supports, refutes or neutral"))
        given = reviewed_stance(action, Stance(evidence[item]["stance"]), Stance(stance) if stance else None)
        self.store.add_review(check_id, item, action, given, note, reviewer, self.verdict_of_record)
        return self.open(check_id)

    def undo(self, check_id: str, item: int) -> CheckView:
        self.store.undo_review(check_id, item, self.verdict_of_record)
        return self.open(check_id)

    def verdict_of_record(self, model_record: dict, reviews: dict[int, Review]) -> dict:
        """The one decision of the verdict of record: the models' saved Verification with the current
        reviews applied and the verdict decided again (`verdict.review.reverify`). The store keeps what it
        returns whenever a review changes, so lists, filters, counts and exports read it from SQLite."""
        original = verification_from_dict(model_record)
        reviewed = verification_record(reverify(original, {i: r.stance for i, r in reviews.items()}, self._model()))
        reviewed["already_checked"] = model_record.get("already_checked")  # as matched when checked: not reviewed
        return reviewed

    def export_reviews(self):
        """One dict per reviewed evidence item, for retraining (see `export.py`)."""
        return review_rows(self.store)

    # ------------------------------------------------------------ internals

    def model_versions(self) -> dict:
        if getattr(self, "_versions", None) is None:
            self._versions = self._model_versions()
        return self._versions

    def _model_versions(self) -> dict:
        out = {"embedder": getattr(self.corpus.embedder, "name", None)}
        if self.verifier is not None:
            out["stance"] = self.verifier.stance.name
        model = self._verdict_model
        if model is not None:
            blob = json.dumps(model.to_dict(), sort_keys=True).encode()
            out["verdict"] = "verdict@" + hashlib.sha1(blob).hexdigest()[:8]
        return out

    def _in_corpus(self, article_id: str) -> bool:
        # get_article, which the single-process index and the cluster's store view both answer
        try:
            self.corpus.index.get_article(article_id)
        except NotFound:
            return False
        return True

    def _model(self):
        if self._verdict_model is None:
            from service.models.registry import get_models

            self._verdict_model = get_models(self.corpus.config).verdict
        return self._verdict_model
