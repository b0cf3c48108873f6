"""The embedder's vectors of the claim-matching and check-worthiness sets, cached on disk
(models/cache/embeddings, outside git) so that measuring and training reuse them.

`python -m lab.evaluate.set_vectors [matching|checkworthy] [DATA_DIR]` embeds them ahead (the slow
part: ~75k sentences, an hour on two busy cores).
Every text is embedded as a query ("query: "): matching compares claims with claims, and the
check-worthiness model reads one sentence at a time, both symmetric uses in the model card.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np

from service.config import REPO_ROOT
from lab.evaluate.cache import EmbeddingCache

CACHE_DIR = REPO_ROOT / "models" / "cache" / "embeddings"
TASK5_NEGATIVES = 1500  # task 5 train keeps every positive and about this many negatives (by hash)
TASK5_TEST_EVERY = 4  # task 5 test: every fourth transcript (by name) is embedded and measured, 5 of 20


def task5_test_sample(sentences):
    """The test transcripts measured here: every TASK5_TEST_EVERY-th by name (embedding all 21,514
    sentences takes over an hour on two busy cores)."""
    names = sorted({s.group for s in sentences})[::TASK5_TEST_EVERY]
    return [s for s in sentences if s.group in names]


def cache_for(embedder, progress: bool = True) -> EmbeddingCache:
    return EmbeddingCache(CACHE_DIR, embedder, progress=progress)


def vectors(cache: EmbeddingCache, texts: list[str], label: str = "") -> np.ndarray:
    return cache.queries(list(texts), label=label)


def task5_train_sample(sentences):
    """Every positive and a fixed hashed sample of negatives (task 5 train is 1% positive)."""
    negatives = [s for s in sentences if not s.label]
    keep = max(1, len(negatives) // TASK5_NEGATIVES)
    chosen = {s.text for s in negatives
              if int(hashlib.sha1(f"{s.group}|{s.text}".encode()).hexdigest(), 16) % keep == 0}
    return [s for s in sentences if s.label or s.text in chosen]


def main(argv=None) -> None:
    from service.config import load_config
    from service.models.registry import get_models
    from lab.stance.data import resolve_data_dir

    args = list(sys.argv[1:] if argv is None else argv)
    which = args.pop(0) if args and args[0] in ("matching", "checkworthy") else "all"
    data_dir = resolve_data_dir(args[0] if args else None)
    cache = cache_for(get_models(load_config()).embedder)
    if which in ("all", "matching"):
        _matching_sets(data_dir, cache)
    if which in ("all", "checkworthy"):
        _checkworthy_sets(data_dir, cache)


def _matching_sets(data_dir, cache) -> None:
    from lab.evaluate import matching_data as md

    vclaims = md.read_verified_claims(data_dir)
    vectors(cache, [v.text for v in vclaims], "verified claims")
    # What measuring needs first, then what fitting needs.
    for split in ("test", "dev"):
        vectors(cache, [q.text for q in md.read_tweets(data_dir, split)], f"task 2 {split} tweets")
    for split in ("dev", "train"):
        pairs = md.read_stsb(data_dir, split)
        texts = sorted({t for p in pairs for t in (p.a, p.b)})
        vectors(cache, texts, f"STS-B {split}")
    cross = md.read_crosslingual(data_dir)
    vectors(cache, [f for f, _ in cross], "cross-lingual fr")
    vectors(cache, [e for _, e in cross], "cross-lingual en")
    vectors(cache, [q.text for q in md.read_tweets(data_dir, "train")[:md.TRAIN_TWEETS]], "task 2 train tweets")


def _checkworthy_sets(data_dir, cache) -> None:
    from lab.checkworthy.data import read_claimbuster, read_task1, read_task5

    cb, t1, t5 = read_claimbuster(data_dir), read_task1(data_dir), read_task5(data_dir)
    for name, rows in (("ClaimBuster train", cb["train"]), ("ClaimBuster held out", cb["heldout"]),
                       ("task 1 train", t1["train"]), ("task 1 test", t1["test"]),
                       ("task 5 train", task5_train_sample(t5["train"])),
                       ("task 5 test", task5_test_sample(t5["test"]))):
        vectors(cache, [s.text for s in rows], name)


if __name__ == "__main__":
    main()
