"""`recoupe bench scale` on tiny corpora: the shape of what it writes, not its figures
(those depend on the machine; the benchmark prints them, no test asserts them)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lab.bench import scale
from service.errors import InvalidInput

SIZES, QUERIES = [2000, 5000], 50


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("scale")
    # force_ivf: at these sizes the service would search IVF exactly; training it covers the IVF path.
    report = scale.run(SIZES, QUERIES, out_dir=out, force_ivf=True, log=lambda *_: None)
    return report, out


def test_every_size_and_index_type_is_measured(result):
    report, _ = result
    rows = report["results"]
    assert [(r["passages"], r["index_type"]) for r in rows] == [(n, t) for n in SIZES for t in ("flat", "hnsw", "ivf")]
    for r in rows:
        assert r["structure"] == r["index_type"]  # ivf trained (forced), hnsw built
        for key in ("build_s", "index_bytes", "bytes_per_passage", "mean_ms", "p50_ms", "p95_ms"):
            assert r[key] > 0, (r["passages"], r["index_type"], key)
        assert r["p95_ms"] >= r["p50_ms"]
        assert 0 < r["recall@10"] <= 1
        if r["index_type"] == "flat":
            assert r["recall@10"] == 1.0
            # Raw float32 vectors plus an 8-byte id each, and a small header.
            assert scale.DIM * 4 + 8 <= r["bytes_per_passage"] < scale.DIM * 4 + 8 + 1
    assert report["queries"] == QUERIES and report["k"] == 10 and report["sizes"] == SIZES


def test_memory_per_passage_and_projection(result):
    report, _ = result
    memory = report["memory_per_passage"]
    assert memory["store_on_disk"]["bytes"] > 0 and memory["store_source"].startswith("derived")
    assert memory["faiss_source"].startswith("measured")
    for t in ("flat", "hnsw", "ivf"):
        in_ram = memory["faiss_in_ram"][t]["bytes"]
        assert in_ram > 0 and memory["total_on_disk"][t] > in_ram
    # HNSW stores the vectors and its graph links on top of them.
    assert memory["faiss_in_ram"]["hnsw"]["bytes"] > memory["faiss_in_ram"]["flat"]["bytes"]
    projection = report["projection"]
    assert projection["passages"] == 10_000_000
    assert projection["vectors_alone_bytes"] == 10_000_000 * 384 * 4
    for t, entry in projection["by_index_type"].items():
        for key in ("ram_bytes", "p50_ms", "p95_ms", "build_s"):
            assert entry[key] is not None and entry[key] > 0, (t, key)
    assert projection["ivf_pq"]["ram_bytes"] < projection["by_index_type"]["flat"]["ram_bytes"]
    assert "10,000,000-passage archive" in projection["text"]


def test_json_and_png_are_written(result):
    report, out = result
    assert json.loads((out / "scale.json").read_text()) == json.loads(json.dumps(report))
    png = (out / "scale.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) < 200_000


def test_ivf_searches_exactly_where_the_service_would(tmp_path):
    report = scale.run([1000], 20, out_dir=tmp_path, log=lambda *_: None)
    ivf = [r for r in report["results"] if r["index_type"] == "ivf"][0]
    assert ivf["structure"] == "flat" and ivf["recall@10"] == 1.0 and "exact" in ivf["note"]
    # One size gives no slope: nothing is extrapolated, and the text says so.
    assert report["projection"]["by_index_type"]["hnsw"]["p50_ms"] is None
    assert "could be extrapolated" in report["projection"]["text"]


def test_synthetic_vectors_are_nested_unit_and_clustered():
    gen = scale.SyntheticEmbeddings(seed=3)
    small, large, queries = gen.corpus(300), gen.corpus(1000), gen.queries(50)
    # Each size a prefix of the larger ones (to float rounding: BLAS blocks by matrix height).
    assert np.allclose(small, large[:300], atol=1e-6)
    assert np.allclose(np.linalg.norm(large, axis=1), 1, atol=1e-5)
    assert (queries @ large.T).max() < 1 - 1e-4  # fresh draws, not corpus members
    # A shared mean direction, as in real sentence embeddings; not uniform noise (|mean| ~ 0).
    assert 0.85 < np.linalg.norm(large.mean(0)) < 0.95


@pytest.mark.parametrize("sizes, message", [("1000,abc", "'abc'"), ("50", "at least 100"), (" , ", "at least one")])
def test_bad_sizes_are_rejected(sizes, message):
    with pytest.raises(InvalidInput, match=message):
        scale.parse_sizes(sizes)


def test_bad_options_are_rejected(tmp_path):
    with pytest.raises(InvalidInput, match="--queries"):
        scale.run([1000], 0, out_dir=tmp_path)
    with pytest.raises(InvalidInput, match="not found"):
        scale.run([1000], 10, out_dir=tmp_path, ingest_report=tmp_path / "missing.json")
    with pytest.raises(InvalidInput, match="hnsw_m"):
        scale.run([1000], 10, out_dir=tmp_path, ann_settings={"hnsw_m": 0})
