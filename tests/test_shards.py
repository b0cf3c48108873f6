"""Shards (passage id mod S) built from the store give the single index's results.

On the seeds (real embedder, real BM25, hybrid fusion) and on a 30,000-passage
synthetic corpus (vectors shaped like sentence embeddings, Zipf-distributed
words), with and without filters; shard versions follow the store generation.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from lab.bench.scale import SyntheticEmbeddings
from service.corpus import Corpus
from service.errors import RecoupeError
from service.index import PassageIndex, ann
from service.ingest.article import Article, Passage
from service.ingest.language import detect_language
from service.retrieve import shards
from service.retrieve.hybrid import HybridRetriever
from service.retrieve.lexical import LexicalIndex
from service.retrieve.sharded import ShardedRetriever, merge
from tests.conftest import SEEDS

DIM, ARTICLES, PER_ARTICLE, K = 64, 3000, 10, 10
LANGS, SOURCES = ["en", "fr"], ["wire", "daily", "weekly"]


def _words(rng, vocab, n):
    ranks = rng.zipf(1.3, size=n) % len(vocab)
    return " ".join(vocab[r] for r in ranks)


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """30,000 passages, flat index, and its 3-shard set."""
    rng = np.random.default_rng(7)
    vocab = [f"w{i}x" for i in range(4000)]  # words the stemmer leaves alone
    vectors = SyntheticEmbeddings(seed=3, dim=DIM).corpus(ARTICLES * PER_ARTICLE)
    items = []
    for a in range(ARTICLES):
        lang = LANGS[a % 2]
        sentences = [_words(rng, vocab, 6 + (a + j) % 9) + "." for j in range(PER_ARTICLE)]
        text = " ".join(sentences)
        article = Article(id=f"a{a:05d}", title=f"Title {a}", text=text, source=SOURCES[a % 3],
                          url=None, published_at=f"2024-{1 + a % 12:02d}-01", language=lang)
        passages, start = [], 0
        for j, s in enumerate(sentences):
            passages.append(Passage(article.id, j, s, start, start + len(s), lang))
            start += len(s) + 1
        items.append((article, passages, vectors[a * PER_ARTICLE:(a + 1) * PER_ARTICLE]))
    path = tmp_path_factory.mktemp("big")
    index = PassageIndex.open(path, DIM)
    for start in range(0, len(items), 500):
        index.add(items[start:start + 500], persist=False)
    index.flush()
    current = shards.build(path, 3)
    parts = [shards.Shard(path, 3, i) for i in range(3)]
    queries = SyntheticEmbeddings(seed=3, dim=DIM).queries(40)
    texts = [_words(rng, vocab, 5) for _ in range(40)]
    yield index, parts, current, queries, texts
    for p in parts:
        p.close()
    index.close()


def _same_ranking(single, sharded):
    """Same scores in the same order; equal scores may list their passages in another order."""
    assert [round(h.score, 6) for h in single] == [round(h.score, 6) for h in sharded]
    by_score = lambda hits: sorted((round(h.score, 6), h.passage_id) for h in hits)  # noqa: E731
    # Passages strictly above the last score are the same; at the last score, ties may be cut differently.
    last = round(single[-1].score, 6) if single else None
    assert [x for x in by_score(single) if x[0] != last] == [x for x in by_score(sharded) if x[0] != last]
    assert [h.rank for h in sharded] == list(range(1, len(sharded) + 1))


@pytest.mark.parametrize("filters", [{}, {"languages": ["fr"]}, {"sources": ["wire"], "date_from": "2024-06-01"}],
                         ids=["all", "french", "source-and-date"])
def test_sharded_dense_and_bm25_equal_the_single_index_on_30k_passages(big, filters):
    index, parts, current, queries, texts = big
    assert current["passages"] == 30_000 and sum(current["per_shard"]) == 30_000
    lexical = LexicalIndex(index)
    single_dense = index.search_many(queries, K, **filters)
    per_shard = [p.search(queries, texts, ["en"] * len(texts), K, **filters) for p in parts]
    compared = 0
    for q, text in enumerate(texts):
        dense = merge([r[q].dense for r in per_shard], K, ties="descending")
        assert [h.passage_id for h in dense] == [h.passage_id for h in single_dense[q]]  # exact: no ties in cosines
        # Equal to float rounding: a filter matching few passages per shard is scanned with numpy,
        # where the whole store's larger match set goes through FAISS (service/index/search.py).
        np.testing.assert_allclose([h.score for h in dense], [h.score for h in single_dense[q]], rtol=1e-6)
        single_lexical = lexical.search(text, "en", K, **filters)
        sharded_lexical = merge([r[q].lexical for r in per_shard], K)
        _same_ranking(single_lexical, sharded_lexical)
        compared += len(single_lexical)
    assert compared > 100  # the words do match: the lexical comparison is not vacuous


def test_each_shard_holds_its_residue_class_with_global_bm25_statistics(big):
    index, parts, current, _, _ = big
    for p in parts:
        ids = p.ids
        assert len(ids) == current["per_shard"][p.shard] and (ids % 3 == p.shard).all()
        assert p.describe()["generation"] == index.generation
    # A word's BM25 score for a passage is the same read from its shard as from the whole store.
    text = index.passage_texts()[1][5]
    first_word = text.split()[0]
    single = {h.passage_id: h.score for h in LexicalIndex(index).search(first_word, "en", 30_000)}
    for p in parts:
        for r in p.search(np.zeros((1, DIM), np.float32) + 1, [first_word], ["en"], 30_000)[0].lexical:
            assert r.score == single[r.passage_id]


@pytest.fixture(scope="module")
def seeds(config, embedder, tmp_path_factory):
    corpus = Corpus(replace(config, data_dir=tmp_path_factory.mktemp("seeds-shards")), embedder)
    corpus.ingest_paths([SEEDS])
    yield corpus
    corpus.close()


@pytest.mark.parametrize("count", [1, 2, 3])
def test_sharded_hybrid_retrieval_equals_the_single_index_on_the_seeds(seeds, count):
    shards.build(seeds.index.data_dir, count)
    parts = [shards.Shard(seeds.index.data_dir, count, i) for i in range(count)]
    try:
        single = HybridRetriever(seeds)
        sharded = ShardedRetriever(seeds.embedder, [p.search for p in parts])
        lines = (SEEDS.parent / "tests" / "data" / "seed_claims.jsonl").read_text(encoding="utf-8").splitlines()
        claims = [json.loads(line)["claim"] for line in lines if line.strip()][:12]
        languages = [detect_language(c, default="fr") for c in claims]  # detected once, by the caller
        a = single.retrieve_many(claims, 50, languages)
        b = sharded.retrieve_many(claims, 50, languages)
        for x, y in zip(a, b):
            assert [(c.hit.passage_id, round(c.fused, 9), c.dense_rank, c.lexical_rank) for c in x] == \
                   [(c.hit.passage_id, round(c.fused, 9), c.dense_rank, c.lexical_rank) for c in y]
            assert [round(c.cosine, 6) for c in x] == [round(c.cosine, 6) for c in y]
            assert [c.hit.passage.text for c in x] == [c.hit.passage.text for c in y]
    finally:
        for p in parts:
            p.close()


def test_shard_versions_follow_the_store_generation(seeds, tmp_path):
    import shutil

    path = tmp_path / "store"
    shutil.copytree(seeds.index.data_dir, path, ignore=shutil.ignore_patterns(shards.SHARDS_DIR))
    with pytest.raises(RecoupeError, match="recoupe shards build --shards 2"):
        shards.read_current(path, 2)
    from service.cli.main import main

    assert main(["--data-dir", str(path), "shards", "build", "--shards", "2"]) == 0  # the CLI builds it
    first = shards.read_current(path, 2)
    assert not shards.is_stale(path, first)
    assert main(["--data-dir", str(path), "shards", "build", "--shards", "0"]) == 2  # a clear error, no traceback
    index = PassageIndex.open(path, seeds.embedder.dim)
    victim = index.list_articles(limit=1)[0].id
    index.delete_article(victim)
    assert shards.is_stale(path, first)
    second = shards.build(path, 2)
    assert second["generation"] == first["generation"] + 1 and second["version"] != first["version"]
    assert second["passages"] == index.stats()["passages"]
    part = shards.Shard(path, 2, 0)
    results = part.search(index.vectors_of(index.passage_texts()[0][:3]), ["a", "b", "c"], ["fr"] * 3, 50)
    assert all(h.passage.article_id != victim for r in results for h in r.dense)
    part.close()
    index.close()
    root = shards.set_dir(path, 2)
    assert {p.name for p in root.iterdir() if p.is_dir()} == {first["version"], second["version"]}
    again = shards.build(path, 2)  # same generation and settings: nothing to do (replicas may be reading it)
    assert again == second and len([p for p in root.iterdir() if p.is_dir()]) == 2
    ivfpq = shards.build(path, 2, ann.AnnParams(index_type="ivfpq"))  # other settings: a new version
    assert ivfpq["version"] != second["version"] and ivfpq["generation"] == second["generation"]
    assert {p.name for p in root.iterdir() if p.is_dir()} == {second["version"], ivfpq["version"]}


def test_equal_scores_come_back_in_the_single_index_order(tmp_path):
    """The same sentence in many articles: equal vectors, equal scores, cut at k across shards."""
    from tests.test_index_store import make_item

    rng = np.random.default_rng(5)
    items = [make_item(i, rng) for i in range(40)]
    same = items[0][2][0]
    items = [(a, p, np.vstack([same, v[1:]])) for a, p, v in items]  # every article's first passage alike
    with PassageIndex.open(tmp_path, len(same)) as index:
        index.add(items)
        shards.build(tmp_path, 3)
        parts = [shards.Shard(tmp_path, 3, i) for i in range(3)]
        for k in (5, 12, 60):
            single = index.search(same, k)
            results = [p.search(same[None, :], ["x"], ["en"], k)[0].dense for p in parts]
            assert [h.passage_id for h in merge(results, k, ties="descending")] == [h.passage_id for h in single]
        for p in parts:
            p.close()
