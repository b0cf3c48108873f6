"""`recoupe ingest --ray`: Ray Data on a real 3-node cluster fills the store exactly as
`recoupe ingest` does (same articles, passages and ids in the same order, vectors equal to
the embedder's rounding), skips what is stored, and reports bad files the same way."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from service.cli.main import main
from service.corpus import Corpus
from service.index import PassageIndex
from tests.conftest import SEEDS
from tests.ray_cluster import ray_cluster  # noqa: F401 (a fixture)

pytestmark = pytest.mark.slow


def _contents(data_dir, dim):
    with PassageIndex.open(data_dir, dim) as index:
        ids, texts, languages = index.passage_texts()
        articles = [(a.id, a.title, a.source) for a in index.list_articles()]
        return articles, ids, texts, languages, index.vectors_of(ids)


def test_ingest_on_ray_fills_the_store_like_a_local_ingest(ray_cluster, config, embedder, tmp_path, capsys):  # noqa: F811
    local_dir, cluster_dir = tmp_path / "local", tmp_path / "cluster"
    corpus = Corpus(replace(config, data_dir=local_dir), embedder)
    expected = corpus.ingest_paths([SEEDS])
    corpus.close()
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    address = ray_cluster[0].address
    argv = ["--data-dir", str(cluster_dir), "ingest", "--ray", address, "--actors", "2", "--shards", "2", "--json",
            str(SEEDS), str(bad)]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["articles_added"] == expected.articles_added and summary["passages_added"] == expected.passages_added
    assert summary["files"] == expected.files + 1
    assert [e["file"] for e in summary["errors"]] == [str(bad)]
    a, b = _contents(local_dir, embedder.dim), _contents(cluster_dir, embedder.dim)
    assert a[:4] == b[:4]  # articles, passage ids, texts and languages, in order
    # Vectors: the int8 embedder's batches differ between a local run and the actors' runs.
    assert float(np.min(np.sum(a[4] * b[4], axis=1))) > 0.99
    from service.retrieve import shards

    current = shards.read_current(cluster_dir, 2)  # --shards: built after the ingest
    assert current["passages"] == expected.passages_added and not shards.is_stale(cluster_dir, current)
    # Again: everything is stored already, nothing is embedded or written.
    assert main(argv) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["articles_added"] == 0 and again["duplicates_skipped"] == expected.articles_added
