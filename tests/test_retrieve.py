"""Hybrid retrieval on the seeds: names and numbers from BM25, paraphrases and
the other language from the embedder."""

from __future__ import annotations

from dataclasses import replace

import pytest

from service.corpus import Corpus
from service.retrieve.hybrid import HybridRetriever
from service.retrieve.text import words
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def retriever(config, embedder, tmp_path_factory):
    corpus = Corpus(replace(config, data_dir=tmp_path_factory.mktemp("retrieve")), embedder)
    corpus.ingest_paths([SEEDS])
    yield HybridRetriever(corpus)
    corpus.close()


def test_stemming_meets_plural_and_accents():
    assert words("Les abonnés", "fr") == words("abonne", "fr")
    assert "189" in words("189 millions d'abonnés", "fr")


def test_bm25_finds_the_passage_with_the_exact_number(retriever):
    hits = retriever.lexical.search("189 millions d'abonnés", "fr", 3)
    assert "189 millions" in hits[0].passage.text


def test_fused_list_keeps_both_retrievers_candidates(retriever):
    cands = retriever.retrieve("Kim Kardashian a 189 millions d'abonnés sur Instagram", k=10)
    assert any(c.dense_rank and c.lexical_rank for c in cands)
    assert any("189 millions" in c.hit.passage.text for c in cands[:3])
    assert [c.fused for c in cands] == sorted((c.fused for c in cands), reverse=True)


def test_english_claim_reaches_french_passages(retriever):
    cands = retriever.retrieve("Kim Kardashian will not post on Instagram on Wednesday", k=5)
    assert any("ne publiera pas sur Instagram mercredi" in c.hit.passage.text for c in cands)


def test_language_filter_applies_to_both_retrievers(retriever):
    cands = retriever.retrieve("Kim Kardashian Instagram Facebook", k=10, languages=["en"])
    assert cands and all(c.hit.passage.language == "en" for c in cands)


def test_lexical_index_follows_deletes(retriever):
    corpus = retriever.corpus
    assert retriever.lexical.search("Sophie Zhang mémo", "fr", 5)
    corpus.delete("002_2d02040bb30b1af3")
    try:
        assert not any(h.article.id.startswith("002") for h in retriever.lexical.search("Sophie Zhang mémo", "fr", 5))
    finally:
        corpus.ingest_paths([SEEDS / "002_2d02040bb30b1af3.txt"])
