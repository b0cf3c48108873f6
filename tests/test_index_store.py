"""PassageIndex against real FAISS and real SQLite in a temporary folder.

Random unit vectors stand in for embeddings: this layer only stores and
compares vectors, it never looks at what they mean.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from service.errors import InvalidInput, NotFound, RecoupeError
from service.index import DimensionMismatch, PassageIndex
from service.index import search as search_strategies
from service.index.persist import FAISS_NAME, SIDECAR_NAME
from service.ingest.article import Article, Passage

DIM = 16
TYPES = ["flat", "hnsw", "ivf"]
# ivf_nlist=4: small enough to train on this corpus (39 vectors per list), so
# the IVF tests exercise a trained IVF, not the exact fallback.
OPTIONS = {"flat": {}, "hnsw": {}, "ivf": {"ivf_nlist": 4, "ivf_nprobe": 2}}
LANGUAGES = ["en", "fr", "de"]
SOURCES = ["s0", "s1", "s2", "s3"]


def unit(rng, n, dim=DIM):
    x = rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def make_item(i, rng, n_passages=3, *, text_version=0, dim=DIM):
    lang = LANGUAGES[i % 3]
    published = None if i % 10 == 9 else f"2023-{1 + i % 9:02d}-{1 + i % 27:02d}"
    sentences = [f"Sentence {j} of article {i} v{text_version}." for j in range(n_passages)]
    text = " ".join(sentences)
    article = Article(
        id=f"art-{i:03d}",
        title=f"Article {i}",
        text=text,
        source=SOURCES[i % 4],
        url=f"https://example.org/{i}",
        published_at=published,
        language=lang,
    )
    passages, start = [], 0
    for j, sentence in enumerate(sentences):
        passages.append(
            Passage(article.id, j, sentence, start, start + len(sentence), lang,
                    prev_text=sentences[j - 1] if j else "", extra={"n": j})
        )  # fmt: skip
        start += len(sentence) + 1
    return article, passages, unit(rng, n_passages, dim)


def corpus(n=60, seed=0):
    rng = np.random.default_rng(seed)
    return [make_item(i, rng) for i in range(n)]


def open_index(path, index_type="flat", dim=DIM, **extra):
    return PassageIndex.open(path, dim, index_type=index_type, **{**OPTIONS[index_type], **extra})


@pytest.fixture(params=TYPES)
def index_type(request):
    return request.param


@pytest.fixture
def items():
    return corpus()


def test_search_returns_the_nearest_passage_with_its_article(tmp_path, index_type, items):
    with open_index(tmp_path, index_type) as index:
        report = index.add(items)
        assert (report.articles_added, report.passages_added) == (60, 180)
        for article, passages, vectors in items[::7]:
            hits = index.search(vectors[1], k=5)
            top = hits[0]
            assert (top.article.id, top.passage.position, top.rank) == (article.id, 1, 1)
            assert top.passage == passages[1]
            assert top.article.title == article.title and top.article.url == article.url
            assert top.score == pytest.approx(1.0, abs=1e-5)
            assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
            assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))


def test_search_many_agrees_with_search(tmp_path, items):
    with open_index(tmp_path) as index:
        index.add(items)
        queries = unit(np.random.default_rng(5), 4)
        batch = index.search_many(queries, k=6, languages=["fr", "en"])
        for query, hits in zip(queries, batch):
            single = index.search(query, k=6, languages=["fr", "en"])
            assert [h.passage_id for h in hits] == [h.passage_id for h in single]


def test_readding_an_unchanged_article_changes_nothing(tmp_path, items):
    with open_index(tmp_path) as index:
        index.add(items)
        before = index.stats()
        report = index.add(items[:10])
        assert report.to_dict() == {
            "articles_added": 0, "articles_replaced": 0, "articles_unchanged": 10,
            "passages_added": 0, "passages_removed": 0,
        }  # fmt: skip
        after = index.stats()
        assert (after["passages"], after["faiss_vectors"], after["generation"]) == (
            before["passages"], before["faiss_vectors"], before["generation"],
        )  # fmt: skip
        assert index.content_hash_of(items[0][0].id) == items[0][0].content_hash
        assert index.content_hash_of("no-such-article") is None
        hits = index.search(items[0][2][0], k=3)
        assert len({h.passage_id for h in hits}) == 3 and hits[1].score < 0.999


def test_changed_article_replaces_its_passages(tmp_path, index_type, items):
    rng = np.random.default_rng(99)
    with open_index(tmp_path, index_type) as index:
        index.add(items)
        old_article, _, old_vectors = items[4]
        new_item = make_item(4, rng, n_passages=2, text_version=1)
        report = index.add([new_item])
        assert (report.articles_replaced, report.passages_removed, report.passages_added) == (1, 3, 2)
        assert index.get_article(old_article.id).text == new_item[0].text
        assert index.passages_of(old_article.id) == new_item[1]
        assert index.stats()["passages"] == 179
        for vector in old_vectors:  # the old passages are gone from search
            assert all(h.score < 0.999 for h in index.search(vector, k=5) if h.article.id == old_article.id)
        top = index.search(new_item[2][1], k=1)[0]
        assert (top.article.id, top.passage.position) == (old_article.id, 1)


def _ids_of_article(hits_lists, article_id):
    return [h for hits in hits_lists for h in hits if h.article.id == article_id]


def test_deleted_article_never_comes_back_even_after_reopen(tmp_path, index_type, items):
    gone, _, gone_vectors = items[10]
    with open_index(tmp_path, index_type) as index:
        index.add(items)
        assert index.delete_article(gone.id) == 3
        assert not _ids_of_article(index.search_many(gone_vectors, k=20), gone.id)
        with pytest.raises(NotFound):
            index.get_article(gone.id)
        assert index.stats()["passages"] == 177
    with open_index(tmp_path, index_type) as index:
        assert not _ids_of_article(index.search_many(gone_vectors, k=20), gone.id)
        assert len(index.search(gone_vectors[0], k=20)) == 20  # over-fetch makes up for the tombstones
        # A later write compacts the tombstones (HNSW: rebuild); still gone afterwards.
        index.add([make_item(100, np.random.default_rng(3))])
        assert index.stats()["pending_deletions"] == 0
        assert not _ids_of_article(index.search_many(gone_vectors, k=20), gone.id)
    with open_index(tmp_path, index_type) as index:
        assert index.stats()["passages"] == 180
        assert not _ids_of_article(index.search_many(gone_vectors, k=20), gone.id)


def test_many_deletions_compact_the_index_at_once(tmp_path, index_type, items):
    with open_index(tmp_path, index_type) as index:
        index.add(items)
        for article, _, _ in items[:30]:  # 90 tombstones > the 64 allowed
            index.delete_article(article.id)
        stats = index.stats()
        assert stats["pending_deletions"] < 64 and stats["faiss_vectors"] - stats["pending_deletions"] == 90
        found = {h.article.id for hits in index.search_many(np.vstack([v for _, _, v in items]), k=10) for h in hits}
        assert found.isdisjoint(a.id for a, _, _ in items[:30])


def test_deleting_an_unknown_article_says_not_found(tmp_path):
    with open_index(tmp_path) as index:
        with pytest.raises(NotFound, match="no-such"):
            index.delete_article("no-such")


def test_reopening_gives_identical_results_without_rebuilding(tmp_path, index_type, items):
    queries = unit(np.random.default_rng(7), 8)

    def snapshot(index):
        return [[(h.passage_id, round(h.score, 6)) for h in hits] for hits in index.search_many(queries, k=8)]

    with open_index(tmp_path, index_type) as index:
        index.add(items)
        index.delete_article(items[3][0].id)
        before = snapshot(index)
    stamp = (tmp_path / FAISS_NAME).stat().st_mtime_ns
    with open_index(tmp_path, index_type) as index:
        assert snapshot(index) == before
    assert (tmp_path / FAISS_NAME).stat().st_mtime_ns == stamp  # loaded, not rebuilt


def test_missing_faiss_file_is_rebuilt_from_sqlite(tmp_path, index_type, items):
    queries = unit(np.random.default_rng(8), 5)
    with open_index(tmp_path, index_type) as index:
        index.add(items)
        before = [[h.passage_id for h in hits] for hits in index.search_many(queries, k=5)]
    (tmp_path / FAISS_NAME).unlink()
    with open_index(tmp_path, index_type) as index:
        # Top hits agree (an HNSW rebuilt by other threads may order near-ties differently further down).
        assert [hits[0].passage_id for hits in index.search_many(queries, k=5)] == [ids[0] for ids in before]
        assert index.stats()["faiss_vectors"] == 180
    assert (tmp_path / FAISS_NAME).exists() and (tmp_path / SIDECAR_NAME).exists()


def test_stale_faiss_file_is_detected_and_rebuilt(tmp_path, items):
    with open_index(tmp_path) as index:
        index.add(items[:30])
    saved = tmp_path / "saved"
    saved.mkdir()
    for name in (FAISS_NAME, SIDECAR_NAME):
        shutil.copy(tmp_path / name, saved / name)
    with open_index(tmp_path) as index:
        index.add(items[30:])
    for name in (FAISS_NAME, SIDECAR_NAME):  # put the older cache back, as a crash mid-write could
        shutil.copy(saved / name, tmp_path / name)
    with open_index(tmp_path) as index:
        assert index.stats()["faiss_vectors"] == 180
        top = index.search(items[45][2][0], k=1)[0]
        assert top.article.id == items[45][0].id


def test_corrupt_faiss_file_or_sidecar_is_rebuilt(tmp_path, items):
    with open_index(tmp_path) as index:
        index.add(items)
    faiss_file = tmp_path / FAISS_NAME
    faiss_file.write_bytes(b"\0" * faiss_file.stat().st_size)  # same size, garbage content
    with open_index(tmp_path) as index:
        assert index.search(items[2][2][0], k=1)[0].article.id == items[2][0].id
    (tmp_path / SIDECAR_NAME).write_text("{not json")
    with open_index(tmp_path) as index:
        assert index.search(items[2][2][0], k=1)[0].article.id == items[2][0].id
    assert json.loads((tmp_path / SIDECAR_NAME).read_text())["ntotal"] == 180


def test_switching_index_type_rebuilds_from_the_same_data(tmp_path, items):
    with open_index(tmp_path, "flat") as index:
        index.add(items)
    with open_index(tmp_path, "hnsw") as index:
        assert index.stats()["index_kind"] == "hnsw"
        assert index.search(items[9][2][2], k=1)[0].article.id == items[9][0].id


def test_a_different_embedding_size_is_refused_clearly(tmp_path, items):
    with open_index(tmp_path) as index:
        index.add(items[:2])
    with pytest.raises(DimensionMismatch) as caught:
        PassageIndex.open(tmp_path, 32)
    error = caught.value
    assert isinstance(error, RecoupeError)
    assert "16-dimensional" in error.message and "32-dimensional" in error.message and str(tmp_path) in error.message
    assert error.detail == {"data_dir": str(tmp_path), "stored_dim": 16, "requested_dim": 32}


def test_bad_input_is_refused_before_anything_is_stored(tmp_path, items):
    article, passages, vectors = items[0]
    with open_index(tmp_path) as index:
        with pytest.raises(InvalidInput, match="3 passages but 2 vectors"):
            index.add([(article, passages, vectors[:2])])
        with pytest.raises(InvalidInput, match=r"shape \(n, 16\)"):
            index.add([(article, passages, np.ones((3, 8)))])
        with pytest.raises(InvalidInput, match="twice"):
            index.add([items[1], items[1]])
        with pytest.raises(InvalidInput, match="shape"):
            index.search(np.ones(8), k=3)
        with pytest.raises(InvalidInput, match="index_type"):
            PassageIndex.open(tmp_path / "other", DIM, index_type="annoy")
        with pytest.raises(InvalidInput, match="ISO date"):
            index.search(vectors[0], k=3, date_from="last week")
        assert index.stats()["articles"] == 0


# ---------------------------------------------------------------- filters

FILTERS = [
    {"languages": ["fr"]},
    {"sources": ["s1", "s3"]},
    {"date_from": "2023-03", "date_to": "2023-05-15"},
    {"languages": "de", "sources": ["s0", "s2"], "date_from": "2023-02-10"},
]


def _expected(items, query, k, languages=None, sources=None, date_from=None, date_to=None):
    """Brute force over the corpus, with the documented date semantics (common precision)."""
    languages = [languages] if isinstance(languages, str) else languages

    def keep(article, passage):
        if languages and passage.language not in languages:
            return False
        if sources and article.source not in sources:
            return False
        pub = article.published_at
        if (date_from or date_to) and not pub:
            return False
        if date_from and pub[: min(len(pub), len(date_from))] < date_from[: min(len(pub), len(date_from))]:
            return False
        return not (date_to and pub[: min(len(pub), len(date_to))] > date_to[: min(len(pub), len(date_to))])

    scored = [
        (float(vectors[j] @ query), article.id, passage.position)
        for article, passages, vectors in items
        for j, passage in enumerate(passages)
        if keep(article, passage)
    ]
    return [(a, p) for _, a, p in sorted(scored, reverse=True)[:k]]


@pytest.mark.parametrize("strategy", ["exact-scan", "selector", "over-fetch"])
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: "+".join(f))
def test_filters_apply_before_the_top_k_cut(tmp_path, items, monkeypatch, strategy, filters):
    # Force each of the three filtered-search strategies; all must give the exact answer on a flat index.
    if strategy != "exact-scan":
        monkeypatch.setattr(search_strategies, "EXACT_SCAN_MAX", 0)
        monkeypatch.setattr(search_strategies, "OVERFETCH_MIN_FRACTION", 1.01 if strategy == "selector" else 0.0)
    queries = unit(np.random.default_rng(11), 3)
    with open_index(tmp_path) as index:
        index.add(items)
        index.delete_article(items[1][0].id)  # a tombstone must not leak through any strategy
        live = [it for it in items if it[0].id != items[1][0].id]
        for query, hits in zip(queries, index.search_many(queries, k=7, **filters)):
            assert [(h.article.id, h.passage.position) for h in hits] == _expected(live, query, 7, **filters)


@pytest.mark.parametrize("strategy", ["exact-scan", "selector", "over-fetch"])
@pytest.mark.parametrize("approximate", ["hnsw", "ivf"])
def test_filters_hold_on_approximate_indexes(tmp_path, items, monkeypatch, approximate, strategy):
    if strategy != "exact-scan":
        monkeypatch.setattr(search_strategies, "EXACT_SCAN_MAX", 0)
        monkeypatch.setattr(search_strategies, "OVERFETCH_MIN_FRACTION", 1.01 if strategy == "selector" else 0.0)
    with open_index(tmp_path, approximate) as index:
        index.add(items)
        hits = index.search(items[0][2][0], k=10, languages=["fr"], sources=["s1", "s2", "s3"])
        assert hits and all(h.passage.language == "fr" and h.article.source != "s0" for h in hits)


def test_dates_compare_on_their_common_precision(tmp_path):
    rng = np.random.default_rng(2)
    dated = {"month": "2023-05", "day": "2023-05-10", "datetime": "2023-05-10T09:30:00Z", "undated": None}
    items = []
    for i, (name, published) in enumerate(dated.items()):
        article, passages, vectors = make_item(i, rng)
        article.id, article.published_at = name, published
        passages = [Passage(name, p.position, p.text, p.start, p.end, p.language) for p in passages]
        items.append((article, passages, vectors))
    with open_index(tmp_path) as index:
        index.add(items)

        def found(**bounds):
            return sorted({h.article.id for h in index.search(items[0][2][0], k=20, **bounds)})

        assert found(date_from="2023-05-20") == ["month"]
        assert found(date_to="2023-05-10") == ["datetime", "day", "month"]
        assert found(date_from="2023-05-11", date_to="2023-06") == ["month"]
        assert found() == ["datetime", "day", "month", "undated"]


# ---------------------------------------------------------------- IVF, bulk, other readers


def test_small_ivf_searches_exactly_and_says_why_then_trains(tmp_path, items):
    with open_index(tmp_path, "ivf", ivf_nlist=8) as index:  # needs 8 * 39 = 312 vectors
        index.add(items)
        stats = index.stats()
        assert stats["index_kind"] == "flat" and "312" in stats["index_note"]
        index.add([make_item(200 + i, np.random.default_rng(i)) for i in range(50)])
        stats = index.stats()
        assert (stats["index_kind"], stats["ivf_nlist"], stats["index_note"]) == ("ivf", 8, None)
        assert index.search(items[5][2][0], k=1)[0].article.id == items[5][0].id


def test_unsaved_bulk_adds_are_rebuilt_by_the_next_opener(tmp_path, items):
    index = open_index(tmp_path)
    index.add(items[:30], persist=False)
    index.add(items[30:], persist=False)
    # As if the process died now: another opener finds the FAISS file behind SQLite.
    with open_index(tmp_path) as other:
        assert other.stats()["faiss_vectors"] == 180
    index.flush()
    index.close()
    with open_index(tmp_path) as again:
        assert again.search(items[59][2][2], k=1)[0].article.id == items[59][0].id


def test_an_open_index_sees_writes_made_through_another_handle(tmp_path, items):
    with open_index(tmp_path) as server, open_index(tmp_path) as cli:
        server.add(items[:20])
        cli.add(items[20:])  # e.g. `recoupe ingest` while the server runs
        assert server.search(items[50][2][0], k=1)[0].article.id == items[50][0].id
        cli.delete_article(items[50][0].id)
        assert all(h.article.id != items[50][0].id for h in server.search(items[50][2][0], k=10))
        server.add([make_item(300, np.random.default_rng(0))])
        assert cli.stats()["articles"] == 60


def test_reading_api_returns_what_was_stored(tmp_path, items):
    with open_index(tmp_path) as index:
        index.add(items[:12])
        article, passages, _ = items[5]
        assert index.get_article(article.id) == article
        assert index.passages_of(article.id) == passages
        listed = index.list_articles()
        assert [a.id for a in listed] == sorted(a.id for a, _, _ in items[:12])
        assert listed[5].title == article.title and not hasattr(listed[5], "text")
        assert [a.id for a in index.list_articles(limit=2, offset=3)] == [a.id for a in listed[3:5]]
        with pytest.raises(NotFound):
            index.passages_of("nope")
        stats = index.stats()
        assert stats["articles"] == 12 and stats["passages"] == 36
        assert stats["languages"] == {"de": 12, "en": 12, "fr": 12}
        assert stats["sources"] == {"s0": 3, "s1": 3, "s2": 3, "s3": 3}
        assert stats["index_type"] == "flat" and stats["size_bytes"] > 0
        hit = index.search(items[5][2][0], k=1)[0]
        assert hit.to_dict()["article"]["id"] == article.id and hit.to_dict()["passage"]["extra"] == {"n": 0}
