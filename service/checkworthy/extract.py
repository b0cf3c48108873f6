"""What to check in a text: its sentences (the ingest splitter), ranked by check-worthiness.

The one function behind `recoupe claims extract`, `POST /v1/claims/extract` and the page's
"What to check" screen. A text is an article, a transcript or a speech, pasted or read from a file
by the ingest loaders (.txt, .html); each sentence comes back with its offsets, its score (the
model's probability that a fact-checker would check it), whether it reaches the model's
threshold, and the features that fired.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import numpy as np

from service.checkworthy.features import HAND_FEATURES, hand_features, reasons
from service.checkworthy.model import CheckWorthyModel
from service.errors import InvalidInput, TooLarge
from service.ingest.language import detect_language
from service.ingest.segment import split_sentences
from service.limits import MAX_CLAIM_CHARS

MAX_TEXT_CHARS = 200_000  # ~30,000 words: a long transcript; the API body limit (1 MB) is above it
MAX_SENTENCES = 3_000
MIN_WORDS = 3  # fewer words than this is not a statement ("Merci.", "Thank you very much.") and is left out


@dataclass
class RankedSentence:
    rank: int
    position: int  # order in the text, from 0
    text: str
    start: int
    end: int
    score: float
    check_worthy: bool
    reasons: list[str] = field(default_factory=list)


@dataclass
class Extraction:
    language: str
    sentences: list[RankedSentence]  # best first, `top` of them when asked
    total: int  # sentences ranked
    threshold: float
    timings_ms: dict

    def to_dict(self) -> dict:
        return {"language": self.language, "total": self.total, "threshold": self.threshold,
                "sentences": [asdict(s) for s in self.sentences], "timings_ms": self.timings_ms}


class ClaimFinder:
    def __init__(self, model: CheckWorthyModel, embedder):
        self.model, self.embedder = model, embedder

    def extract(self, text: str, top: int | None = None, language: str | None = None) -> Extraction:
        t0 = time.perf_counter()
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput("the text is empty: paste an article, a transcript or a speech")
        if len(text) > MAX_TEXT_CHARS:
            raise TooLarge(f"the text is {len(text):,} characters long, over the {MAX_TEXT_CHARS:,}-character limit: "
                           "split it")
        if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
            raise InvalidInput("top must be a whole number of at least 1")
        language = language or detect_language(text[:5000], default="fr")
        spans = [(a, b) for a, b in split_sentences(text, language)
                 if len(text[a:b].split()) >= MIN_WORDS]
        if len(spans) > MAX_SENTENCES:
            raise TooLarge(f"the text has {len(spans):,} sentences, over the {MAX_SENTENCES:,} ranked at once: "
                           "split it")
        sentences = [" ".join(text[a:b].split())[:MAX_CLAIM_CHARS] for a, b in spans]
        t1 = time.perf_counter()
        vectors = self.embedder.encode_queries(sentences) if sentences else np.zeros((0, 384), np.float32)
        t2 = time.perf_counter()
        hand = np.array([hand_features(s) for s in sentences]) if sentences else np.zeros((0, len(HAND_FEATURES)))
        scores = self.model.scores(vectors, hand) if sentences else np.zeros(0)
        order = np.argsort(-scores, kind="stable")
        ranked = [RankedSentence(r, int(i), sentences[i], spans[i][0], spans[i][1], round(float(scores[i]), 4),
                                 bool(scores[i] >= self.model.threshold), reasons(list(hand[i])))
                  for r, i in enumerate(order, start=1)]
        t3 = time.perf_counter()
        return Extraction(language, ranked[:top] if top else ranked, len(ranked), self.model.threshold,
                          {"split": _ms(t1 - t0), "embed": _ms(t2 - t1), "score": _ms(t3 - t2),
                           "total": _ms(t3 - t0)})


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def load_finder(config) -> ClaimFinder:
    """The model and the embedder from the registry (loaded once per process)."""
    from service.models.registry import get_models

    models = get_models(config)
    return ClaimFinder(models.checkworthy, models.embedder)


def read_text_file(path) -> str:
    """A text file as it is (every line kept: its first line is not a title here), or an HTML page's
    main text as `recoupe ingest` extracts it."""
    from pathlib import Path

    from service.ingest.decode import read_text
    from service.ingest.loaders import load_file

    path = Path(path)
    if path.suffix.lower() not in (".txt", ".html", ".htm"):
        raise InvalidInput(f"cannot read a text from {path.name}: give a .txt or .html file")
    if not path.is_file():
        raise InvalidInput(f"the file {path} does not exist")
    if path.suffix.lower() == ".txt":
        return read_text(path)
    return "\n\n".join(f"{a.title}\n\n{a.text}" if a.title else a.text for a in load_file(path))
