"""A writer killed with SIGKILL leaves an index that opens, searches and lost nothing committed.

The child process ingests batches of articles in a loop, printing each batch
number once `add` has returned. It is killed either by this test at a random
moment after a few batches, or by itself at a chosen point of the write path
(between the SQLite commit and the FAISS file, between the FAISS file and its
sidecar, ...), which a random kill would only hit by luck.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from service.index import PassageIndex
from service.index.persist import SIDECAR_NAME
from service.ingest.article import Article, Passage

REPO = Path(__file__).resolve().parent.parent
DIM, BATCH, PASSAGES = 32, 40, 4

CHILD = f"""
import os, signal, sys
import numpy as np
from service.index import PassageIndex, cache, persist
from service.ingest.article import Article, Passage

DIM, BATCH, PASSAGES = {DIM}, {BATCH}, {PASSAGES}
data_dir, index_type, kill_at = sys.argv[1:4]


def item(i):
    vectors = np.random.default_rng(i).standard_normal((PASSAGES, DIM)).astype("float32")
    article = Article(id=f"a{{i:06d}}", title=f"t{{i}}", text="x" * PASSAGES, source="s", language="en")
    return article, [Passage(article.id, j, "x", j, j + 1, "en") for j in range(PASSAGES)], vectors


def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


def die_before_renaming(name):
    original = persist._replace_durably

    def replace(tmp, final):
        if final.name == name:
            die()
        original(tmp, final)

    return replace


def arm():
    if kill_at == "after-sqlite-commit":
        cache.FaissCache.apply = die
    elif kill_at == "before-faiss-rename":
        persist._replace_durably = die_before_renaming(persist.FAISS_NAME)
    elif kill_at == "between-faiss-and-sidecar":
        persist.write_sidecar = die
    elif kill_at == "before-sidecar-rename":
        persist._replace_durably = die_before_renaming(persist.SIDECAR_NAME)


index = PassageIndex.open(data_dir, DIM, index_type=index_type, ivf_nlist=4, ivf_nprobe=4)
batch = 0
while True:
    if batch == 2:
        arm()
    if batch == 6 and kill_at != "parent":
        sys.exit("the kill point was never reached")
    index.add([item(batch * BATCH + j) for j in range(BATCH)])
    print(batch, flush=True)
    batch += 1
"""


def item(i):  # the child's articles, rebuilt here to check what survived
    vectors = np.random.default_rng(i).standard_normal((PASSAGES, DIM)).astype("float32")
    article = Article(id=f"a{i:06d}", title=f"t{i}", text="x" * PASSAGES, source="s", language="en")
    return article, [Passage(article.id, j, "x", j, j + 1, "en") for j in range(PASSAGES)], vectors


def start_child(data_dir, index_type, kill_at="parent"):
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(data_dir), index_type, kill_at],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    watchdog = threading.Timer(60, proc.kill)  # never let a stuck child hang the suite
    watchdog.start()
    return proc, watchdog


def check_recovered(data_dir, index_type, batches_reported):
    """Opens, holds whole batches only (each add is one transaction), at least every
    reported one, with FAISS in step with SQLite; then searches and accepts writes."""
    with PassageIndex.open(data_dir, DIM, index_type=index_type, ivf_nlist=4, ivf_nprobe=4) as index:
        stats = index.stats()
        articles = stats["articles"]
        assert articles % BATCH == 0, f"a partial batch survived: {articles} articles"
        assert articles >= batches_reported * BATCH
        assert stats["passages"] == articles * PASSAGES
        assert stats["faiss_vectors"] - stats["pending_deletions"] == stats["passages"]
        for i in sorted(random.Random(0).sample(range(articles), min(articles, 25))):
            top = index.search(item(i)[2][0], k=1)[0]
            assert (top.article.id, top.passage.position) == (f"a{i:06d}", 0)
            assert top.score == pytest.approx(1.0, abs=1e-5)
        assert not [p.name for p in Path(data_dir).iterdir() if ".tmp-" in p.name]  # leftovers cleaned
        index.add([item(999_999)])
        assert index.search(item(999_999)[2][3], k=1)[0].article.id == "a999999"
        return articles


@pytest.mark.parametrize("index_type", ["flat", "hnsw", "ivf"])
def test_sigkill_during_a_long_ingest_loses_nothing_committed(tmp_path, index_type):
    proc, watchdog = start_child(tmp_path, index_type)
    reported = -1
    try:
        while reported < 3:  # let a few batches commit, then kill somewhere inside a later one
            line = proc.stdout.readline()
            assert line, f"child died early: {proc.stderr.read()}"
            reported = int(line)
        threading.Event().wait(random.uniform(0.0, 0.05))
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
    finally:
        watchdog.cancel()
        proc.kill()
        proc.wait()
    check_recovered(tmp_path, index_type, batches_reported=reported + 1)


@pytest.mark.parametrize(
    "kill_at", ["after-sqlite-commit", "before-faiss-rename", "between-faiss-and-sidecar", "before-sidecar-rename"]
)
def test_sigkill_at_each_step_of_a_write_keeps_the_committed_batch(tmp_path, kill_at):
    proc, watchdog = start_child(tmp_path, "flat", kill_at)
    try:
        out, err = proc.communicate(timeout=90)
    finally:
        watchdog.cancel()
    assert proc.returncode == -signal.SIGKILL, err
    assert out.split() == ["0", "1"]  # batch 2 was being written when the child died
    assert json.loads((tmp_path / SIDECAR_NAME).read_text())["generation"] == 2  # the cache on disk is behind
    PassageIndex.open(tmp_path, DIM).close()
    assert json.loads((tmp_path / SIDECAR_NAME).read_text())["generation"] == 3  # open rebuilt and saved it
    # Batch 2 was committed in SQLite before every one of these points: it must be there.
    assert check_recovered(tmp_path, "flat", batches_reported=2) == 3 * BATCH
