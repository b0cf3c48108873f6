"""`recoupe bench segment`: sentence splitting time per MB from 25 kB to 1 MB of one paragraph, and a
1 MB single-paragraph article ingested end to end (split, dedupe, language, embed, index).

The text is the seed articles' prose run together without a paragraph break
and repeated to length: real French sentences with the quotes, abbreviations
and numbers the splitter's rules are about. Repeated sentences dedupe to the
seeds' distinct ones, so the ingest figure measures the splitting and
bookkeeping of 1 MB, not 10,000 embeddings (an article with more distinct
sentences than MAX_PASSAGES_PER_ARTICLE is refused, which is timed too).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from pathlib import Path

from service.config import REPO_ROOT

DEFAULT_SIZES = (25_000, 100_000, 250_000, 1_000_000)


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine()


def paragraph(chars: int) -> str:
    seeds = sorted((REPO_ROOT / "seeds").glob("*.txt"))
    prose = " ".join(" ".join(p.read_text(encoding="utf-8").split()) for p in seeds)
    return (prose * (chars // len(prose) + 1))[:chars].rsplit(" ", 1)[0]


def distinct_sentences(chars: int) -> str:
    out, n = [], 0
    while sum(map(len, out)) + len(out) < chars:
        out.append(f"Le rapport numéro {n} indique que la production a atteint {n * 7 % 1000} tonnes en {1900 + n % 120}.")
        n += 1
    return " ".join(out)


def run(config, embedder, sizes=DEFAULT_SIZES, repeats: int = 2) -> dict:
    import os

    from service.corpus import Corpus
    from service.errors import TooLarge
    from service.ingest.article import Article
    from service.ingest.segment import split_sentences

    split = []
    for size in sizes:
        text = paragraph(size)
        best, count = float("inf"), 0
        for _ in range(repeats):
            t0 = time.perf_counter()
            count = len(split_sentences(text))
            best = min(best, time.perf_counter() - t0)
        split.append({"chars": len(text), "sentences": count, "seconds": round(best, 3),
                      "seconds_per_mb": round(best / (len(text) / 1e6), 3)})
    per_mb = [s["seconds_per_mb"] for s in split]

    ingest = {}
    with tempfile.TemporaryDirectory(prefix="recoupe-bench-segment-") as tmp:
        corpus = Corpus(replace(config, data_dir=Path(tmp)), embedder)
        try:
            # A server has its models loaded: load the language identifier and the embedder session first.
            corpus.ingest_articles([Article(id="warm-up", title="t", text=paragraph(2_000), source="bench",
                                            language="fr")], strict=True)
            text = paragraph(1_000_000)
            t0 = time.perf_counter()
            summary = corpus.ingest_articles([Article(id="one-mb", title="Un million de caractères", text=text,
                                                      source="bench", language="fr")], strict=True)
            ingest["one_paragraph_1mb"] = {"chars": len(text), "seconds": round(time.perf_counter() - t0, 2),
                                           "passages": summary.passages_added, "target_seconds": 10}
            text = distinct_sentences(1_000_000)
            t0 = time.perf_counter()
            try:
                corpus.ingest_articles([Article(id="distinct", title="t", text=text, source="bench", language="fr")],
                                       strict=True)
                outcome = "stored"
            except TooLarge as exc:
                outcome = f"refused (413): {exc.message}"
            ingest["distinct_sentences_1mb"] = {"chars": len(text), "seconds": round(time.perf_counter() - t0, 2),
                                                "outcome": outcome}
        finally:
            corpus.close()
    return {
        "cpu": cpu_name(), "cores": os.cpu_count(),
        "split": split,
        "split_seconds_per_mb_max_over_min": round(max(per_mb) / min(per_mb), 2),
        "ingest": ingest,
    }
