"""`recoupe bench latency`: the measurement over real HTTP against the real API and models, and its inputs.

The figures themselves are printed by the benchmark, never asserted; these tests check their shape and
that every request of a level is accounted for.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import datetime

import pytest
from werkzeug.serving import make_server

from service.api import create_app
from service.api.services import Services
from lab.bench.latency import (
    STAGES,
    ServerError,
    load_claims,
    measure,
    parse_clients,
    server_environment,
    table,
    wait_ready,
)
from service.config import load_config
from service.corpus import Corpus
from service.errors import InvalidInput
from tests.conftest import SEEDS, need_stance_model


@pytest.fixture(scope="module")
def server(config, embedder, tmp_path_factory):
    """The real API over real HTTP, the shipped stance model answering from the seeds."""
    need_stance_model(config)
    from service.models.registry import get_models
    from service.verify import Verifier

    corpus = Corpus(replace(config, data_dir=tmp_path_factory.mktemp("latency-seeds")), embedder)
    corpus.ingest_paths([SEEDS])
    services = Services(corpus, Verifier.on_corpus(corpus, get_models(config).stance, get_models(config).verdict))
    http = make_server("127.0.0.1", 0, create_app(config, services=services), threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join(5)
    corpus.close()


def test_each_level_accounts_for_every_request_with_percentiles_and_server_timings(server):
    logs = []
    result = measure(server, load_claims()[:3], clients=(1, 2), requests=4, top_k=3, warmup=1, log=logs.append)
    json.dumps(result)  # what --out writes
    assert (result["top_k"], result["claims"], result["warmup_requests"]) == (3, 3, 1)
    assert result["index"]["articles"] == 4 and result["index"]["passages"] > 0
    assert result["cpu_count"] == os.cpu_count() and datetime.fromisoformat(result["timestamp"]).tzinfo
    assert result["server"] == {"started": False, "threads": None}
    assert [level["clients"] for level in result["levels"]] == [1, 2]
    for level in result["levels"]:
        assert (level["requests"], level["errors"]) == (4, 0) and "first_error" not in level
        lat = level["latency_ms"]
        assert 0 < lat["p50"] <= lat["p95"] <= lat["p99"] and lat["mean"] > 0
        assert level["throughput_rps"] > 0 and level["wall_s"] > 0
        assert set(level["server_timings_ms_median"]) == set(STAGES)
    assert "warm-up: 1 untimed request" in logs
    lines = table(result).splitlines()
    assert "p95 ms" in lines[1] and "srv stance ms" in lines[1]
    assert [line.split()[:3] for line in lines[2:]] == [["1", "4", "0"], ["2", "4", "0"]]


def test_requests_the_server_refuses_are_counted_as_errors_with_the_first_reason(server):
    result = measure(server, ["x" * 1001], clients=(2,), requests=3, warmup=0, log=[].append)
    level = result["levels"][0]
    assert (level["requests"], level["errors"], level["throughput_rps"]) == (3, 3, 0)
    assert level["latency_ms"]["p50"] is None and level["server_timings_ms_median"] == {}
    assert level["first_error"].startswith("HTTP 400: ")
    assert "first error with 2 clients: HTTP 400" in table(result)


def test_a_failed_warm_up_stops_before_anything_is_measured(server):
    with pytest.raises(ServerError, match=r"warm-up request .* failed \(HTTP 400"):
        measure(server, ["x" * 1001], clients=(1,), requests=1, warmup=1, log=[].append)


def test_a_server_that_dies_while_starting_is_reported_with_the_end_of_its_log(tmp_path):
    log_path = tmp_path / "server.log"
    with open(log_path, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", "import sys; print('no model here', file=sys.stderr); "
                                                       "sys.exit(3)"], stdout=out, stderr=subprocess.STDOUT)
    proc.wait(30)
    with pytest.raises(ServerError, match=r"exited with status 3 before it was ready(.|\n)*no model here"):
        wait_ready("http://127.0.0.1:9", proc, log_path, timeout=30)


def test_options_and_claim_files_are_checked(tmp_path):
    assert parse_clients("1, 4,16") == [1, 4, 16]
    for bad in ("", "0,2", "one", "1;4"):
        with pytest.raises(InvalidInput, match="--clients"):
            parse_clients(bad)
    claims = tmp_path / "claims.txt"
    claims.write_text("Le vaccin est sûr\n\n  Kim Kardashian a 189 millions d'abonnés  \n", encoding="utf-8")
    assert load_claims(claims) == ["Le vaccin est sûr", "Kim Kardashian a 189 millions d'abonnés"]
    assert len(load_claims()) > 10  # the seed claims by default
    (tmp_path / "empty.jsonl").write_text('{"text": "no claim field"}\n', encoding="utf-8")
    logs = []
    with pytest.raises(InvalidInput, match="holds no usable claim"):
        load_claims(tmp_path / "empty.jsonl", log=logs.append)
    assert logs == ['skipped empty.jsonl line 1: no "claim" field (fields found: text)']
    with pytest.raises(InvalidInput, match="--top-k must be between 1 and 50"):
        measure("http://127.0.0.1:9", ["a claim"], top_k=0)


def test_the_started_server_gets_the_benchmark_s_whole_configuration(config, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    asked = config.with_overrides(data_dir="relative/data", index_type="hnsw", threads=1, api_key="k")
    env = {k: v for k, v in server_environment(asked).items() if k.startswith("RECOUPE_")}
    assert load_config(env=env) == asked.with_overrides(data_dir=tmp_path / "relative" / "data")
