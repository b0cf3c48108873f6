"""`recoupe check` runs: batches, the journal that makes an interrupted run resume, the in-process and the
server paths writing the same file, clear errors when the server cannot help, and the command itself.

Every run goes through the real verifier (the shipped stance model over the seed corpus), wrapped in
`Counting`, which records the claims it is asked so that a resumed run can be shown not to check a claim twice.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import socket
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from service.api import create_app
from service.api.services import Services
from service.check.journal import journal_path
from service.check.run import HttpBackend, LocalBackend, RemoteError, run_check
from service.cli import check_cmd
from service.corpus import Corpus
from service.errors import InvalidInput
from service.verdict.types import VERDICTS
from tests.conftest import REPO, SEEDS, need_stance_model

CLAIMS = Path(__file__).parent / "fixtures" / "check" / "claims.csv"  # 5 seed claims, 1 empty claim on line 6
CLAIM_ORDER = ["seed-01", "seed-21", "seed-03", "seed-32", "seed-26"]
SEEDS_JSONL = [json.loads(line) for line in (REPO / "tests" / "data" / "seed_claims.jsonl").read_text().splitlines()]
DATE = "2024-05-02"


@pytest.fixture(scope="module")
def real_verifier(config, embedder, tmp_path_factory):
    need_stance_model(config)
    from service.models.registry import get_models
    from service.verify import Verifier

    corpus = Corpus(replace(config, data_dir=tmp_path_factory.mktemp("check-seeds")), embedder)
    corpus.ingest_paths([SEEDS])
    yield Verifier.on_corpus(corpus, get_models(config).stance, get_models(config).verdict)
    corpus.close()


class Counting:
    """The real verifier, recording the claims it is asked and how many batches."""

    def __init__(self, verifier):
        self.verifier, self.asked, self.calls = verifier, [], 0

    def verify_many(self, claims, options):
        self.calls += 1
        self.asked += claims
        return self.verifier.verify_many(claims, options)


class InterruptedInBatch(Counting):
    """Ctrl-C arrives while the models work on batch number `at` (from 1)."""

    def __init__(self, verifier, at: int):
        super().__init__(verifier)
        self.at = at

    def verify_many(self, claims, options):
        if self.calls + 1 == self.at:
            raise KeyboardInterrupt
        return super().verify_many(claims, options)


def _check(out: Path, backend, logs=None, **options):
    options = {"batch_size": 2, "date": DATE, "progress": False, **options}
    return run_check(CLAIMS, out, backend=lambda: backend, log=(logs if logs is not None else []).append, **options)


def _verdicts(path: Path) -> dict[str, str]:
    rows = csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline=""))
    return {r["id"]: r["verdict"] for r in rows}


def _claims_of(ids):
    by_id = {r["id"]: r["claim"] for r in SEEDS_JSONL}
    return [by_id[i] for i in ids]


# ---------------------------------------------------------------- batches, journal, resume


def test_an_interrupted_check_resumes_without_rechecking_and_writes_the_same_report(real_verifier, tmp_path):
    whole = Counting(real_verifier)
    summary = _check(tmp_path / "whole.csv", LocalBackend(whole))
    assert summary.finished and summary.batches == 3 and whole.calls == 3  # 5 claims in batches of 2

    out = tmp_path / "resumed.csv"
    first = Counting(real_verifier)
    stopped = _check(out, LocalBackend(first), stop_after_batches=1)
    assert not stopped.finished and not out.exists()
    assert first.asked == _claims_of(CLAIM_ORDER[:2])
    assert len(journal_path(out).read_text(encoding="utf-8").splitlines()) == 3  # header + 2 claims
    assert "2 of 5 claims are saved" in stopped.table()

    logs = []
    second = Counting(real_verifier)
    resumed = _check(out, LocalBackend(second), logs)
    assert second.asked == _claims_of(CLAIM_ORDER[2:])  # nothing done twice
    assert (resumed.from_journal, resumed.checked, resumed.finished) == (2, 3, True)
    assert any("resuming: 2 of 5 claims are already done" in line for line in logs)
    verdicts = _verdicts(out)
    assert list(verdicts) == CLAIM_ORDER and set(verdicts.values()) <= set(VERDICTS)
    assert out.read_bytes() == (tmp_path / "whole.csv").read_bytes()
    assert not journal_path(out).exists()


def test_ctrl_c_during_a_batch_keeps_every_batch_finished_before_it(real_verifier, tmp_path):
    out = tmp_path / "report.md"
    logs = []
    with pytest.raises(KeyboardInterrupt):
        _check(out, LocalBackend(InterruptedInBatch(real_verifier, at=2)), logs)
    assert not out.exists()
    assert [json.loads(line).get("id") for line in journal_path(out).read_text().splitlines()[1:]] == CLAIM_ORDER[:2]
    assert any("2 of 5 claims are saved" in line and "run the same command again" in line for line in logs)

    again = Counting(real_verifier)
    assert _check(out, LocalBackend(again)).finished
    assert again.asked == _claims_of(CLAIM_ORDER[2:])
    _check(tmp_path / "whole.md", LocalBackend(real_verifier))
    assert out.read_bytes() == (tmp_path / "whole.md").read_bytes()
    assert "## Synthèse" in out.read_text(encoding="utf-8")  # the report is in its claims' language (French)


def test_a_journal_cut_off_in_the_middle_of_a_line_is_resumed(real_verifier, tmp_path):
    out = tmp_path / "report.jsonl"
    _check(out, LocalBackend(real_verifier), stop_after_batches=1)
    with journal_path(out).open("ab") as fh:
        fh.write(b'{"key": "id:seed-03", "line": 5, "claim": "Kim Kard')  # the power went off here
    again = Counting(real_verifier)
    assert _check(out, LocalBackend(again)).finished
    assert again.asked == _claims_of(CLAIM_ORDER[2:])
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == CLAIM_ORDER


def test_a_claim_edited_since_the_interruption_is_checked_again(real_verifier, tmp_path):
    source = tmp_path / "claims.csv"
    source.write_text("id,claim\na,Katy Perry a 107 millions d'abonnés\nb,Katy Perry a 107 millions d'abonnés\n",
                      encoding="utf-8")
    out = tmp_path / "report.csv"
    run_check(source, out, backend=lambda: LocalBackend(real_verifier), batch_size=1, stop_after_batches=1,
              progress=False, log=[].append)
    source.write_text("id,claim\na,Katy Perry a 300 millions d'abonnés\nb,Katy Perry a 107 millions d'abonnés\n",
                      encoding="utf-8")
    again = Counting(real_verifier)
    run_check(source, out, backend=lambda: LocalBackend(again), batch_size=1, progress=False, log=[].append)
    assert again.asked == ["Katy Perry a 300 millions d'abonnés", "Katy Perry a 107 millions d'abonnés"]
    # 300 million against the seeds' 107 million is a numeric conflict, whatever the model says.
    assert _verdicts(out)["a"] == "refuted"


def test_a_journal_written_with_other_options_is_not_mixed_in(real_verifier, tmp_path):
    out = tmp_path / "report.csv"
    _check(out, LocalBackend(real_verifier), stop_after_batches=1, top_k=10)
    with pytest.raises(InvalidInput, match="used top_k=10, not top_k=5"):
        _check(out, LocalBackend(real_verifier), top_k=5)


def test_bad_rows_are_reported_with_their_line_and_the_run_goes_on(real_verifier, tmp_path):
    logs = []
    summary = _check(tmp_path / "report.html", LocalBackend(real_verifier), logs)
    assert "  line 6: the claim is empty" in logs
    assert summary.finished and summary.claims == 5 and [b.line_no for b in summary.bad_rows] == [6]
    table = summary.table()
    assert re.search(r"^bad rows \(skipped\) +1$", table, re.M)
    assert re.search(r"checked now 5 \(0 from an earlier run\) in [\d.]+ s, [\d.]+ claims/s", table)


def test_a_claim_repeated_in_the_file_is_checked_once_and_its_rows_say_so(real_verifier, tmp_path):
    """As the desk's batches do (one decision, check/inputs.first_of_same_claim): the models read a repeated
    claim once, and each repeat carries the first row's result with its line."""
    claim = "Kim Kardashian a 189 millions d'abonnés sur Instagram"
    claims = tmp_path / "claims.csv"
    claims.write_text(f"id,claim\na,{claim}\nb,La tour Eiffel mesure 330 mètres\nc,{claim}\n", encoding="utf-8")
    counting = Counting(real_verifier)
    out = tmp_path / "out.csv"
    summary = run_check(claims, out, backend=lambda: LocalBackend(counting), log=[].append, progress=False,
                        date=DATE)
    assert counting.asked.count(claim) == 1 and len(counting.asked) == 2
    assert summary.finished and summary.claims == 3
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline="")))
    assert [r["same_as_line"] for r in rows] == ["", "", "2"]
    assert rows[2]["verdict"] == rows[0]["verdict"]


def test_the_models_are_not_loaded_when_there_is_nothing_left_to_check(tmp_path):
    source = tmp_path / "claims.txt"
    source.write_text("\n\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="holds no claims"):
        run_check(source, tmp_path / "r.csv", backend=lambda: pytest.fail("no backend needed"), progress=False)
    source.write_text("   \n" + "x" * 1200 + "\n", encoding="utf-8")
    summary = run_check(source, tmp_path / "r.md", backend=lambda: pytest.fail("no backend needed"), progress=False,
                        log=[].append)
    assert summary.finished and "| 2 | the claim is 1200 characters long" in (tmp_path / "r.md").read_text()


# ---------------------------------------------------------------- the server path


@pytest.fixture(scope="module")
def server(config, real_verifier):
    """The real API over real HTTP, its verifier answering from the seeds."""
    services = Services(real_verifier.corpus, Counting(real_verifier))
    http = make_server("127.0.0.1", 0, create_app(config, services=services), threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}", services
    http.shutdown()
    thread.join(5)  # the corpus is real_verifier's to close


@pytest.mark.parametrize("name", ["report.csv", "report.html", "report.jsonld"])
def test_the_server_path_writes_the_same_file_as_the_in_process_path(server, real_verifier, tmp_path, name):
    url, services = server
    local, remote = tmp_path / "local", tmp_path / "remote"
    local.mkdir(), remote.mkdir()
    _check(local / name, LocalBackend(real_verifier))
    calls = services.verifier.calls
    summary = _check(remote / name, HttpBackend(url))
    assert summary.finished and services.verifier.calls - calls == 3  # 3 requests of up to 2 claims
    assert (remote / name).read_bytes() == (local / name).read_bytes()


def test_an_unreachable_server_is_a_clear_error_and_nothing_is_written(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    out = tmp_path / "report.csv"
    with pytest.raises(RemoteError, match=rf"cannot reach the Recoupe server at http://127.0.0.1:{port} .*running"):
        _check(out, HttpBackend(f"http://127.0.0.1:{port}/"))
    assert list(tmp_path.iterdir()) == []


def test_a_server_that_cannot_verify_claims_is_a_clear_error(server, tmp_path):
    url, services = server
    verifier, services.verifier = services.verifier, None
    try:
        with pytest.raises(RemoteError, match="cannot verify claims: its stance model is not loaded"):
            _check(tmp_path / "report.csv", HttpBackend(url))
        with pytest.raises(RemoteError, match=r"HTTP 503: claim verification is not available on this server"):
            HttpBackend(url).verify_batch(["Katy Perry a 107 millions d'abonnés"], 10)
    finally:
        services.verifier = verifier


def test_a_problem_answered_by_the_server_is_shown_in_its_words(server):
    url, _ = server
    with pytest.raises(RemoteError, match=r"HTTP 400: invalid request: top_k: must be between 1 and 50"):
        HttpBackend(url).verify_batch(["Katy Perry a 107 millions d'abonnés"], 99)
    with pytest.raises(RemoteError, match=r"HTTP 404: there is no /nope/v1/health here"):
        HttpBackend(url + "/nope").check_ready()


# ---------------------------------------------------------------- the command


def _command(argv):
    parser = argparse.ArgumentParser()
    check_cmd.register(parser.add_subparsers())
    return parser.parse_args(argv)


def test_the_check_command_prints_the_summary_table(server, tmp_path, config, capsys):
    url, _ = server
    out = tmp_path / "report.csv"
    args = _command(["check", str(CLAIMS), "-o", str(out), "--server", url, "--batch-size", "64"])
    assert args.func(args, config) == 0
    err = capsys.readouterr().err
    assert "line 6: the claim is empty" in err and "Supported" in err and f"wrote {out}" in err
    assert len(_verdicts(out)) == 5


def test_the_check_command_refuses_what_it_cannot_do_before_starting(tmp_path, config):
    args = _command(["check", str(CLAIMS), "-o", str(tmp_path / "r.csv"), "--server", "http://x", "--batch-size", "65"])
    with pytest.raises(InvalidInput, match="at most 64 with --server"):
        args.func(args, config)
    args = _command(["check", str(CLAIMS), "-o", str(tmp_path / "r.xlsx")])
    with pytest.raises(InvalidInput, match="cannot tell the output format of r.xlsx"):
        args.func(args, config)
    args = _command(["check", str(CLAIMS), "-o", str(tmp_path / "r.csv"), "--server", "127.0.0.1:8000"])
    with pytest.raises(InvalidInput, match="must start with http"):
        args.func(args, config)


# ---------------------------------------------------------------- the real models, end to end


def test_with_the_real_models_an_interrupted_check_resumes_to_the_same_verdicts(real_verifier, tmp_path):
    whole = tmp_path / "whole.csv"
    _check(whole, LocalBackend(real_verifier), top_k=5)
    out = tmp_path / "resumed.csv"
    _check(out, LocalBackend(Counting(real_verifier)), top_k=5, stop_after_batches=1)
    second = Counting(real_verifier)
    assert _check(out, LocalBackend(second), top_k=5).finished
    assert second.asked == _claims_of(CLAIM_ORDER[2:])
    verdicts = _verdicts(out)
    assert verdicts == _verdicts(whole) and set(verdicts.values()) <= set(VERDICTS)
    assert list(verdicts) == CLAIM_ORDER


def test_with_the_real_models_the_server_and_the_process_write_the_same_report(real_verifier, config, tmp_path):
    services = Services(real_verifier.corpus, real_verifier)
    http = make_server("127.0.0.1", 0, create_app(config, services=services), threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        _check(tmp_path / "local.md", LocalBackend(real_verifier), top_k=5)
        _check(tmp_path / "remote.md", HttpBackend(f"http://127.0.0.1:{http.server_port}"), top_k=5)
    finally:
        http.shutdown()
        thread.join(5)
    local = (tmp_path / "local.md").read_text(encoding="utf-8")
    assert local == (tmp_path / "remote.md").read_text(encoding="utf-8")
    assert "## Synthèse" in local  # the report is in its claims' language (French)
    assert any(", " + p.name.replace("_", "\\_") in local for p in SEEDS.glob("*.txt"))  # seed articles cited
