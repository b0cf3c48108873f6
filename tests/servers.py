"""`recoupe serve` as a real process on 127.0.0.1, for the tests that need sockets (the serving machinery,
the page in a browser): one way to start it, wait until it answers and stop it gracefully."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
NO_RATE_LIMITS = {"RECOUPE_RATE_LIMIT_READS": "", "RECOUPE_RATE_LIMIT_WRITES": "", "RECOUPE_RATE_LIMIT_VERIFY": ""}

# Serves like `recoupe serve ...`; with --no-verifier first, the application object holds the real corpus but
# no verifier (the serving machinery without the cost of the models).
SERVE = """
import argparse, sys
from service.api import services as api_services
from service.cli import serve_cmd
from service.config import load_config
from service.corpus import open_corpus
if sys.argv[1] == "--no-verifier":
    del sys.argv[1]
    api_services.build_services = lambda config: api_services.Services(open_corpus(config))
parser = argparse.ArgumentParser()
serve_cmd.register(parser.add_subparsers())
args = parser.parse_args(sys.argv[1:])
sys.exit(args.func(args, load_config()))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    base: str
    port: int
    log: Path
    exit_code: int | None = None  # once stopped: 0 for a graceful stop

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _health(base: str) -> dict | None:
    try:
        with urllib.request.urlopen(f"{base}/v1/health", timeout=5) as r:
            return json.loads(r.read())
    except OSError:  # not listening yet, or an error status while it starts
        return None


@contextmanager
def serving(data_dir: Path, *, verifier: bool = True, workers: int = 1, threads: int = 4, env: dict | None = None,
            timeout: float = 600):
    """`recoupe serve --ingest-if-empty seeds/` on a free port with its data in `data_dir`; ready when
    /v1/health answers (and, with the verifier, says the stance model is loaded). Yields a Served."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    argv = [*([] if verifier else ["--no-verifier"]), "serve", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers), "--threads", str(threads), "--ingest-if-empty", str(SEEDS)]
    served = Served(f"http://127.0.0.1:{port}", port, data_dir.parent / f"server-{port}.log")
    with open(served.log, "w") as log:
        proc = subprocess.Popen([sys.executable, "-c", SERVE, *argv], cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                env={**os.environ, "RECOUPE_DATA_DIR": str(data_dir), **(env or {})})
    try:
        deadline = time.monotonic() + timeout
        while not ((health := _health(served.base)) and (health["models"]["stance"] or not verifier)):
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}:\n{served.output()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not answer /v1/health within {timeout:.0f} s:\n{served.output()}")
            time.sleep(0.5)
        yield served
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        served.exit_code = proc.returncode
