"""`recoupe serve`: gunicorn with preloaded models and threaded workers, and the container files."""

from __future__ import annotations

import argparse
import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest

from service.cli import serve_cmd
from service.config import Config
from service.errors import InvalidInput, RecoupeError
from tests.conftest import REPO, need_stance_model
from tests.servers import serving


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    serve_cmd.register(parser.add_subparsers())
    return parser


def test_server_settings_preload_models_and_use_threads():
    from gunicorn.workers.gthread import ThreadWorker

    server = serve_cmd.RecoupeServer(Config(host="::", port=8123, workers=3), threads=6)
    cfg = server.cfg
    # gthread, reading each request whole before a thread runs it (service/api/worker.py)
    assert issubclass(cfg.worker_class, ThreadWorker)
    assert (cfg.workers, cfg.threads, cfg.preload_app) == (3, 6, True)
    assert cfg.bind == ["[::]:8123"]


@pytest.mark.parametrize("argv", [["serve", "--workers", "0"], ["serve", "--threads", "0"], ["serve", "--port", "70000"]])
def test_bad_server_options_are_refused_before_starting(argv):
    args = _parser().parse_args(argv)
    with pytest.raises(InvalidInput):
        args.func(args, Config())


def test_seeding_from_a_missing_folder_stops_before_serving(config, embedder, tmp_path, capfd):
    args = _parser().parse_args(["serve", "--ingest-if-empty", str(tmp_path / "no-such-folder")])
    with pytest.raises(RecoupeError, match="could not ingest"):
        args.func(args, config.with_overrides(data_dir=tmp_path / "data"))
    assert "No such file or folder" in capfd.readouterr().err


def _call(url: str, body: dict | None = None, headers: dict | None = None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def serve(tmp_path, embedder):  # embedder: the models must be built
    """start(*pre_args, workers=N) -> base URL of `recoupe serve` on tmp_path/data with API key "k"; each one
    must stop gracefully (exit code 0) at the end of the test."""
    with ExitStack() as stack:
        started = []

        def start(*extra: str, workers: int = 2) -> str:
            server = stack.enter_context(serving(tmp_path / "data", verifier="--no-verifier" not in extra,
                                                 workers=workers, threads=2, env={"RECOUPE_API_KEY": "k"},
                                                 timeout=300))
            started.append(server)
            return server.base

        yield start
    for server in started:
        assert server.exit_code == 0, server.output()  # a graceful stop


def test_two_threaded_workers_serve_one_index_after_seeding_it(serve):
    base = serve("--no-verifier", workers=2)
    status, health = _call(f"{base}/v1/health")
    assert status == 200 and health["index"]["articles"] == 4  # --ingest-if-empty seeded the empty index

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: _call(f"{base}/v1/stats"), range(16)))
    assert {status for status, _ in answers} == {200}

    article = {"id": "served-1", "text": "Le port du Havre a traité un volume record de conteneurs cette année."}
    assert _call(f"{base}/v1/articles", article)[0] == 401
    assert _call(f"{base}/v1/articles", article, {"X-API-Key": "k"})[0] == 201
    # Whichever worker answers, the write made by the other one is seen.
    assert {_call(f"{base}/v1/stats")[1]["articles"] for _ in range(8)} == {5}


def test_the_real_verifier_answers_in_forked_workers(serve, config):
    need_stance_model(config)
    base = serve(workers=2)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda c: _call(f"{base}/v1/verify", {"claim": c, "top_k": 3}),
                                ["Kim Kardashian ne publiera pas sur Instagram mercredi"] * 4))
    assert all(status == 200 for status, _ in answers), answers


def test_container_files_use_commands_the_cli_has():
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    service = compose["services"]["recoupe"]
    assert service["ports"] == ["8000:8000"]
    assert service["environment"]["RECOUPE_DATA_DIR"] == "/data"
    volume = service["volumes"][0].split(":")
    assert volume[1] == "/data" and volume[0] in compose["volumes"]

    dockerfile = (REPO / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert "recoupe models build-embedder --if-missing" in dockerfile
    cmd = json.loads(next(line for line in dockerfile.splitlines() if line.startswith("CMD ["))[4:])
    assert json.loads(next(line for line in dockerfile.splitlines() if line.startswith("ENTRYPOINT"))[11:]) == ["recoupe"]
    args = _parser().parse_args(cmd)
    assert args.func is serve_cmd.serve and args.host == "0.0.0.0" and args.ingest_if_empty == ["seeds/"]
    assert Path(REPO, "seeds").is_dir()
