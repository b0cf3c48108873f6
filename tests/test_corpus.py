"""Ingesting files into the real index with the real embedder, as `recoupe` does."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

import pytest

from service.cli.main import main
from service.corpus import Corpus
from service.errors import NotFound
from tests.conftest import SEEDS


@pytest.fixture
def corpus(config, embedder, tmp_path):
    c = Corpus(replace(config, data_dir=tmp_path / "data"), embedder)
    yield c
    c.close()


def _articles_in_top(hits, n=5):
    return {h.article.id for h in hits[:n]}


def test_french_claim_finds_passages_of_two_seed_articles(corpus):
    corpus.ingest_paths([SEEDS])
    hits = corpus.search("Kim Kardashian ne publiera pas sur Instagram mercredi", k=5)
    assert len(_articles_in_top(hits)) >= 2
    assert hits[0].passage.text.endswith("ne publiera pas sur Instagram mercredi.")


def test_english_claim_finds_the_same_french_passages(corpus):
    corpus.ingest_paths([SEEDS])
    fr = corpus.search("Kim Kardashian ne publiera pas sur Instagram mercredi", k=5)
    en = corpus.search("Kim Kardashian will not post on Instagram on Wednesday", k=5)
    fr_ids = {h.passage_id for h in fr[:2]}
    assert fr_ids <= {h.passage_id for h in en}


def test_reingesting_unchanged_seeds_is_a_no_op(corpus):
    first = corpus.ingest_paths([SEEDS])
    before = corpus.stats()
    again = corpus.ingest_paths([SEEDS])
    assert first.articles_added == 4 and first.passages_added > 40
    assert again.articles_added == 0 and again.passages_added == 0 and again.duplicates_skipped == 4
    assert corpus.stats()["passages"] == before["passages"]


def test_deleted_article_no_longer_appears_in_search(corpus):
    corpus.ingest_paths([SEEDS])
    target = "003_525ca13e8105f9df"
    assert target in _articles_in_top(corpus.search("189 millions d'abonnés sur Instagram", k=3))
    removed = corpus.delete(target)
    assert removed > 5
    hits = corpus.search("189 millions d'abonnés sur Instagram", k=50)
    assert target not in {h.article.id for h in hits}
    with pytest.raises(NotFound):
        corpus.delete(target)


def test_bad_files_get_a_reason_each_and_nothing_stored_is_lost(corpus, tmp_path):
    corpus.ingest_paths([SEEDS])
    stored = corpus.stats()["passages"]
    bad = tmp_path / "incoming"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (bad / "broken.json").write_text('{"title": "x", "text": ')
    (bad / "latin1.txt").write_bytes("Titre\n\nLe président a déclaré à la presse qu'il viendra.".encode("cp1252"))
    (bad / "good.txt").write_text("Un titre\n\nLe maire de Lyon a inauguré un pont de 200 mètres mardi.\n")
    summary = corpus.ingest_paths([bad])
    reasons = {os.path.basename(e["file"]): e["error"] for e in summary.errors}
    assert set(reasons) == {"empty.txt", "binary.txt", "broken.json", "latin1.txt"}
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["binary.txt"]
    assert "JSON" in reasons["broken.json"]
    assert "UTF-8" in reasons["latin1.txt"]
    assert summary.articles_added == 1
    assert corpus.stats()["passages"] == stored + 1
    assert corpus.search("pont inauguré à Lyon", k=1)[0].article.id == "good"


def test_cli_ingest_prints_summary_and_search_lists_sources(config, tmp_path, capsys):
    data = str(tmp_path / "cli-data")
    assert main(["--data-dir", data, "ingest", "--json", str(SEEDS)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["articles_added"] == 4 and summary["errors"] == []
    assert main(["--data-dir", data, "search", "Katy Perry a 107 millions d'abonnés", "-k", "3"]) == 0
    out = capsys.readouterr().out
    assert "107 millions" in out and "002_2d02040bb30b1af3" in out and "chars" in out


def test_cli_reports_an_unknown_article_as_an_error(config, tmp_path, capsys):
    data = str(tmp_path / "cli-data")
    assert main(["--data-dir", data, "delete", "no-such-article"]) == 2
    assert "no-such-article" in capsys.readouterr().err


def test_killed_ingest_leaves_a_loadable_index_with_earlier_articles(config, embedder, tmp_path):
    data = tmp_path / "killed"
    many = tmp_path / "many"
    many.mkdir()
    for i in range(400):
        (many / f"art{i:03d}.txt").write_text(
            f"Article {i}\n\nLa commune numéro {i} a voté un budget de {i * 7} millions d'euros mardi. "
            f"Le conseil municipal a approuvé la rénovation de {i % 13} écoles.\n")
    seeded = Corpus(replace(config, data_dir=data), embedder)
    seeded.ingest_paths([SEEDS])
    before = seeded.stats()["passages"]
    seeded.close()
    env = dict(os.environ, RECOUPE_DATA_DIR=str(data))
    proc = subprocess.Popen([sys.executable, "-m", "service.cli.main", "ingest", "--json", str(many)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    # Kill it once it has committed at least one chunk but before it is done.
    while time.time() < deadline:
        time.sleep(0.5)
        probe = Corpus(replace(config, data_dir=data), embedder)
        n = probe.stats()["passages"]
        probe.close()
        if n > before:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    reopened = Corpus(replace(config, data_dir=data), embedder)
    try:
        after = reopened.stats()["passages"]
        assert before < after < before + 800
        assert reopened.search("Kim Kardashian ne publiera pas sur Instagram mercredi", k=1)[0].article.id.startswith("000")
        # Resuming the same ingest completes it, skipping what was stored.
        summary = reopened.ingest_paths([many])
        assert summary.duplicates_skipped > 0
        assert reopened.stats()["articles"] == 404
    finally:
        reopened.close()
