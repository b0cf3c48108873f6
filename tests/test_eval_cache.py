"""The embedding cache: a second evaluation run does not embed again, a changed corpus does."""

from __future__ import annotations

import numpy as np

from lab.evaluate.cache import EmbeddingCache

TEXTS = ["Kim Kardashian a 189 millions d'abonnés sur Instagram.",
         "The boycott lasts 24 hours.",
         "Facebook's share price fell."]


class CountingEmbedder:
    """The real embedder, counting how often it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.calls = inner, 0

    @property
    def name(self):
        return self.inner.name

    @property
    def dim(self):
        return self.inner.dim

    def encode_passages(self, texts):
        self.calls += 1
        return self.inner.encode_passages(texts)

    def encode_queries(self, texts):
        self.calls += 1
        return self.inner.encode_queries(texts)


def test_second_call_returns_the_same_vectors_without_embedding(embedder, tmp_path):
    counting = CountingEmbedder(embedder)
    first = EmbeddingCache(tmp_path, counting, progress=False).passages(TEXTS)
    assert counting.calls == 1
    again = EmbeddingCache(tmp_path, counting, progress=False).passages(TEXTS)
    assert counting.calls == 1
    assert np.array_equal(first, again)
    assert np.array_equal(first, embedder.encode_passages(TEXTS))  # the same batch gives the same vectors


def test_a_changed_corpus_is_embedded_again(embedder, tmp_path):
    counting = CountingEmbedder(embedder)
    cache = EmbeddingCache(tmp_path, counting, progress=False)
    cache.passages(TEXTS)
    changed = cache.passages(TEXTS[:2] + ["Facebook's share price rose."])
    assert counting.calls == 2
    # The int8 runtime quantises activations per batch: a text embedded in another batch is close, not equal.
    alone = embedder.encode_passages(["Facebook's share price rose."])[0]
    assert float(changed[2] @ alone) > 0.99
    reordered = cache.passages(list(reversed(TEXTS)))
    assert counting.calls == 3 and float(reordered[0] @ cache.passages(TEXTS)[2]) > 0.99


def test_queries_and_passages_are_cached_apart(embedder, tmp_path):
    counting = CountingEmbedder(embedder)
    cache = EmbeddingCache(tmp_path, counting, progress=False)
    p = cache.passages(TEXTS)
    q = cache.queries(TEXTS)
    assert counting.calls == 2 and not np.allclose(p, q)
    assert len(list(tmp_path.glob("*.npy"))) == 2


def test_an_unreadable_cache_file_is_rebuilt(embedder, tmp_path):
    counting = CountingEmbedder(embedder)
    cache = EmbeddingCache(tmp_path, counting, progress=False)
    good = cache.passages(TEXTS)
    cache.path_for(TEXTS, "passage").write_bytes(b"not an array")
    assert np.array_equal(cache.passages(TEXTS), good) and counting.calls == 2


class InterruptedAt(CountingEmbedder):
    """The real embedder; Ctrl-C arrives on call number `at` (from 1)."""

    def __init__(self, inner, at: int):
        super().__init__(inner)
        self.at = at

    def encode_passages(self, texts):
        if self.calls + 1 == self.at:
            raise KeyboardInterrupt
        return super().encode_passages(texts)


def test_an_interrupted_embedding_resumes_where_it_stopped_with_the_same_vectors(embedder, tmp_path, monkeypatch):
    import pytest

    from lab.evaluate import cache

    monkeypatch.setattr(cache, "CHUNK_TEXTS", 2)  # TEXTS * 3 in five chunks
    monkeypatch.setattr(cache, "PARTIAL_EVERY_S", 0.0)  # keep every chunk done
    texts = [f"{t} ({i})" for i, t in enumerate(TEXTS * 3)]
    whole = EmbeddingCache(tmp_path / "whole", embedder, progress=False).passages(texts)

    with pytest.raises(KeyboardInterrupt):
        EmbeddingCache(tmp_path / "cut", InterruptedAt(embedder, 3), progress=False).passages(texts)
    assert not list((tmp_path / "cut").glob("*.npy"))  # no finished file: only the chunks done so far
    assert len(list((tmp_path / "cut").glob("*.partial.npz"))) == 1
    counting = CountingEmbedder(embedder)
    resumed = EmbeddingCache(tmp_path / "cut", counting, progress=False).passages(texts)
    assert counting.calls == 5 - 2  # the two chunks done before the interruption are not embedded again
    assert np.allclose(resumed, whole, atol=1e-6)
    assert not list((tmp_path / "cut").glob("*.partial.npz"))  # done: the partial file is gone
