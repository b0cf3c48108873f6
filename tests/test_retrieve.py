"""Hybrid retrieval on the seeds: names and numbers from BM25, paraphrases and
the other language from the embedder."""

from __future__ import annotations

from dataclasses import replace

import pytest

from service.corpus import Corpus
from service.ingest.language import detect_language
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


def _language(claim: str) -> str:
    """The claim's language, as the Verifier detects it once and hands it to the retriever."""
    return detect_language(claim, default="fr")


def test_bm25_finds_the_passage_with_the_exact_number(retriever):
    hits = retriever.lexical.search("189 millions d'abonnés", "fr", 3)
    assert "189 millions" in hits[0].passage.text


def test_fused_list_keeps_both_retrievers_candidates(retriever):
    cands = retriever.retrieve("Kim Kardashian a 189 millions d'abonnés sur Instagram", 10, _language("Kim Kardashian a 189 millions d'abonnés sur Instagram"))
    assert any(c.dense_rank and c.lexical_rank for c in cands)
    assert any("189 millions" in c.hit.passage.text for c in cands[:3])
    assert [c.fused for c in cands] == sorted((c.fused for c in cands), reverse=True)


def test_english_claim_reaches_french_passages(retriever):
    cands = retriever.retrieve("Kim Kardashian will not post on Instagram on Wednesday", 5,
                               _language("Kim Kardashian will not post on Instagram on Wednesday"))
    assert any("ne publiera pas sur Instagram mercredi" in c.hit.passage.text for c in cands)


def test_language_filter_applies_to_both_retrievers(retriever):
    cands = retriever.retrieve("Kim Kardashian Instagram Facebook", 10, _language("Kim Kardashian Instagram Facebook"),
                               languages=["en"])
    assert cands and all(c.hit.passage.language == "en" for c in cands)


def test_lexical_index_follows_deletes(retriever):
    corpus = retriever.corpus
    assert retriever.lexical.search("Sophie Zhang mémo", "fr", 5)
    corpus.delete("002_2d02040bb30b1af3")
    try:
        assert not any(h.article.id.startswith("002") for h in retriever.lexical.search("Sophie Zhang mémo", "fr", 5))
    finally:
        corpus.ingest_paths([SEEDS / "002_2d02040bb30b1af3.txt"])


def test_a_passage_deleted_during_a_verification_is_dropped_not_a_server_error(retriever):
    # The race the soak campaign found: BM25 returns a passage, another request deletes its
    # article before the lexical-only candidate's stored vector is read (HTTP 500, KeyError).
    from service.retrieve.hybrid import _with_cosines, fuse

    corpus = retriever.corpus
    claim = "Kim Kardashian gèle son compte Instagram"
    query = corpus.embedder.encode_queries([claim])[0]
    lexical = retriever.lexical.search(claim, "fr", 10)
    article = lexical[0].article.id
    gone = {h.passage_id for h in lexical if h.article.id == article}
    assert len(gone) < len(lexical), "BM25 finds passages of other articles too"
    corpus.delete(article)
    try:
        cands = _with_cosines(fuse([], lexical, 10), query, corpus.index)
        assert cands and not {c.hit.passage_id for c in cands} & gone
        assert all(c.cosine is not None for c in cands)
    finally:
        corpus.ingest_paths(sorted(SEEDS.glob(article.split("_")[0] + "_*")))
