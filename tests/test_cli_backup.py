"""`recoupe backup` / `recoupe restore`, a damaged store, and a CLI that stops quietly when its reader goes."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace

import pytest

from service.cli.main import main
from service.corpus import Corpus
from service.errors import IndexCorrupt, InvalidInput
from service.index import PassageIndex
from service.index.backup import backup, restore
from service.ingest.article import Article
from tests.conftest import REPO, SEEDS

CLAIM = "Kim Kardashian ne publiera pas sur Instagram mercredi"


@pytest.fixture
def seeded(config, embedder, tmp_path):
    corpus = Corpus(replace(config, data_dir=tmp_path / "live"), embedder)
    corpus.ingest_paths([SEEDS])
    yield corpus
    corpus.close()


def _search_ids(corpus):
    return [h.passage.text for h in corpus.search(CLAIM, k=5)]


def test_a_backup_taken_while_the_index_is_open_restores_the_same_corpus(seeded, config, embedder, tmp_path):
    report = backup(seeded.config.data_dir, tmp_path / "corpus.backup")
    assert (report.articles, report.passages) == (4, seeded.stats()["passages"])
    assert main(["--data-dir", str(tmp_path / "fresh"), "restore", str(tmp_path / "corpus.backup")]) == 0
    restored = Corpus(replace(config, data_dir=tmp_path / "fresh"), embedder)
    try:
        stats = restored.stats()
        assert stats["articles"] == 4 and stats["faiss_vectors"] == stats["passages"] == report.passages
        assert _search_ids(restored) == _search_ids(seeded)
    finally:
        restored.close()


def test_a_restore_under_a_running_server_is_seen_on_its_next_request(seeded, tmp_path):
    backup(seeded.config.data_dir, tmp_path / "four.backup")
    seeded.ingest_articles([Article(id="extra", title="t", source="s", language="fr",
                                    text="Le port du Havre a traité un volume record de conteneurs.")])
    assert seeded.stats()["articles"] == 5
    restore(seeded.config.data_dir, tmp_path / "four.backup")
    # `seeded` stands for the server: its open index notices the new generation and rebuilds.
    assert seeded.stats()["articles"] == 4
    assert seeded.stats()["faiss_vectors"] == seeded.stats()["passages"]
    assert "extra" not in {a.id for a in seeded.index.list_articles()}


def test_a_damaged_database_says_how_to_recover_and_restore_replaces_it(seeded, config, tmp_path):
    backup(seeded.config.data_dir, tmp_path / "good.backup")
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "recoupe.sqlite3").write_bytes(b"this is not a database" * 200)
    with pytest.raises(IndexCorrupt, match="recoupe restore"):
        PassageIndex.open(damaged, dim=384)
    restore(damaged, tmp_path / "good.backup")
    assert (damaged / "recoupe.sqlite3.damaged-1").read_bytes().startswith(b"this is not")
    with PassageIndex.open(damaged, dim=384) as index:
        assert index.stats()["articles"] == 4


def test_backup_refuses_to_overwrite_and_restore_refuses_what_is_not_a_store(seeded, tmp_path):
    target = tmp_path / "taken.backup"
    target.write_text("keep me")
    with pytest.raises(InvalidInput, match="already exists"):
        backup(seeded.config.data_dir, target)
    assert target.read_text() == "keep me"
    with pytest.raises(IndexCorrupt, match="not a readable SQLite file|damaged"):
        restore(tmp_path / "other", target)
    with pytest.raises(InvalidInput, match="no backup file"):
        restore(tmp_path / "other", tmp_path / "missing.backup")


def test_a_closed_pipe_ends_the_cli_quietly(seeded):
    env = {**os.environ, "RECOUPE_DATA_DIR": str(seeded.config.data_dir)}
    proc = subprocess.Popen([sys.executable, "-m", "service.cli.main", "search", CLAIM, "-k", "50"], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # like `| head` exiting before the output is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_damaged_data_pages_are_one_message_naming_restore_in_the_cli_and_at_server_start(seeded, config, tmp_path,
                                                                                          capsys):
    # The outside probe's damage: 20,000 random bytes written 40 KB before the end of the store.
    import random

    from service.cli.serve_cmd import check_store

    backup(seeded.config.data_dir, tmp_path / "good.backup")
    paged = tmp_path / "paged"
    restore(paged, tmp_path / "good.backup")
    store = paged / "recoupe.sqlite3"
    at = max(store.stat().st_size - 40_000, 4096)
    with store.open("r+b") as f:
        f.seek(at)
        f.write(random.Random(5).randbytes(20_000))
    for command in (["stats"], ["search", CLAIM]):
        code = main(["--data-dir", str(paged), *command])
        err = capsys.readouterr().err
        assert code == 2 and "is damaged" in err and "recoupe restore" in err and "Traceback" not in err, err
    with pytest.raises(IndexCorrupt, match="recoupe restore"):
        check_store(replace(config, data_dir=paged))
    restore(paged, tmp_path / "good.backup")  # and the restore named there does repair it
    assert main(["--data-dir", str(paged), "stats"]) == 0
