"""POST /v1/verify latency over real HTTP, at several numbers of concurrent
clients: p50/p95/p99, mean, throughput, errors, and the server's own median
time per stage (its `timings_ms`).

By default the benchmark starts the production server (`recoupe serve`, one
gunicorn worker with `--threads` threads) on a free local port and stops it
at the end; with a URL it measures a server that is already running.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from service.config import REPO_ROOT
from service.errors import InvalidInput, RecoupeError

SEED_CLAIMS = REPO_ROOT / "tests" / "data" / "seed_claims.jsonl"
DEFAULT_CLIENTS = (1, 4, 16)
DEFAULT_REQUESTS = 60
DEFAULT_WARMUP = 5
# A request waits behind every other client's on a small CPU: 16 clients and
# a slow stance model can keep one waiting for minutes.
REQUEST_TIMEOUT_S = 300.0
# The server loads the models before it answers; gunicorn itself gives a
# booting worker 300 s on a busy machine.
STARTUP_TIMEOUT_S = 420.0
HEALTH_POLL_S = 0.5
LOG_TAIL_LINES = 25
STAGES = ("retrieve", "stance", "verdict", "total")


class ServerError(RecoupeError):
    """The server under test could not be started, reached or used."""

    status = 502
    kind = "bench-server"


# ---------------------------------------------------------------- options and claims


def parse_clients(text: str) -> list[int]:
    """'1,4,16' -> [1, 4, 16]."""
    try:
        levels = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InvalidInput(f"--clients takes whole numbers separated by commas, like 1,4,16 (got {text!r})") from None
    if not levels or min(levels) < 1:
        raise InvalidInput(f"--clients needs one or more numbers of clients, each 1 or more (got {text!r})")
    return levels


def check_options(requests: int, top_k: int, warmup: int, threads: int | None = None) -> None:
    if requests < 1:
        raise InvalidInput(f"--requests must be 1 or more, got {requests}")
    if not 1 <= top_k <= 50:
        raise InvalidInput(f"--top-k must be between 1 and 50 (the API's limit), got {top_k}")
    if warmup < 0:
        raise InvalidInput(f"--warmup must be 0 or more, got {warmup}")
    if threads is not None and threads < 1:
        raise InvalidInput(f"--threads must be 1 or more, got {threads}")


def load_claims(path: str | Path | None = None, log=print) -> list[str]:
    """The claims of a .jsonl ("claim" field), .txt (one per line) or .csv file; unusable rows are skipped."""
    from service.check.inputs import BadRow, read_claims

    path = Path(path) if path else SEED_CLAIMS
    claims, bad = [], []
    for row in read_claims(path):
        (bad if isinstance(row, BadRow) else claims).append(row)
    for row in bad[:5]:
        log(f"skipped {path.name} {row}")
    if len(bad) > 5:
        log(f"skipped {len(bad) - 5} more unusable rows of {path.name}")
    if not claims:
        raise InvalidInput(f"{path} holds no usable claim")
    return [row.claim for row in claims]


# ---------------------------------------------------------------- one client


@dataclass
class Reply:
    status: int | None  # None: no HTTP answer (connection refused, reset, timed out)
    seconds: float
    body: dict | None = None
    error: str | None = None


class Client:
    """One keep-alive connection, as a browser or an API client would hold."""

    def __init__(self, url: str, timeout: float = REQUEST_TIMEOUT_S):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidInput(f"the server URL must look like http://HOST:PORT (got {url!r})")
        kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        self.conn = kind(parts.hostname, parts.port, timeout=timeout)
        self.prefix = parts.path.rstrip("/")

    def connect(self) -> None:
        """Open the connection now, so that the first timed request does not pay for it."""
        try:
            self.conn.connect()
        except OSError:
            self.conn.close()  # the first request reports it

    def call(self, method: str, path: str, body: dict | None = None, headers: dict | None = None) -> Reply:
        payload = json.dumps(body).encode("utf-8") if body is not None else None
        reused = self.conn.sock is not None
        reply, reset = self._attempt(method, path, payload, headers)
        if reset and reused:
            # A server may close an idle keep-alive connection just as it is
            # reused; HTTP clients retry that once on a new one, and so do we.
            reply, _ = self._attempt(method, path, payload, headers)
        return reply

    def _attempt(self, method: str, path: str, payload: bytes | None, extra: dict | None = None) -> tuple[Reply, bool]:
        """The reply, and whether the connection was reset before any answer."""
        headers = {"Accept": "application/json", **({"Content-Type": "application/json"} if payload else {}),
                   **(extra or {})}
        t0 = time.perf_counter()
        try:
            self.conn.request(method, self.prefix + path, payload, headers)
            response = self.conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            reset = isinstance(exc, (ConnectionResetError, BrokenPipeError))
            return Reply(None, time.perf_counter() - t0, error=_describe(exc)), reset
        error = None if response.status == 200 else _problem(response.status, raw)
        return Reply(response.status, time.perf_counter() - t0, _json_or_none(raw), error), False

    def close(self) -> None:
        self.conn.close()


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _json_or_none(raw: bytes):
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _problem(status: int, raw: bytes) -> str:
    body = _json_or_none(raw)
    title = body.get("title") if isinstance(body, dict) else None
    return f"HTTP {status}: {title or ' '.join(raw.decode('utf-8', 'replace').split())[:200]}"


# ---------------------------------------------------------------- the measurement


def verify_body(claim: str, top_k: int) -> dict:
    return {"claim": claim, "top_k": top_k}


def run_level(url: str, claims: list[str], clients: int, requests: int, top_k: int) -> dict:
    """`requests` POST /v1/verify, claims in turn, sent by `clients` threads at once."""
    next_index = iter(range(requests))
    lock = threading.Lock()
    replies: list[Reply] = []
    start = threading.Barrier(clients + 1)

    def work(client: Client) -> None:
        start.wait()
        try:
            while True:
                with lock:
                    i = next(next_index, None)
                if i is None:
                    return
                reply = client.call("POST", "/v1/verify", verify_body(claims[i % len(claims)], top_k))
                with lock:
                    replies.append(reply)
        finally:
            client.close()

    pool = [Client(url) for _ in range(clients)]
    for client in pool:
        client.connect()
    # Daemon threads: Ctrl-C ends the run without waiting for answers in flight.
    threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in pool]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return summarize(replies, clients, time.perf_counter() - t0)


def summarize(replies: list[Reply], clients: int, wall_s: float) -> dict:
    ok = [r for r in replies if r.status == 200]
    failed = [r for r in replies if r.status != 200]
    ms = np.array([r.seconds * 1000 for r in ok])
    out = {
        "clients": clients,
        "requests": len(replies),
        "errors": len(failed),
        "wall_s": round(wall_s, 3),
        "throughput_rps": round(len(ok) / wall_s, 3) if wall_s > 0 else None,
        "latency_ms": _latency(ms),
        "server_timings_ms_median": _server_medians(ok),
    }
    if failed:
        out["first_error"] = failed[0].error
    return out


def _latency(ms: np.ndarray) -> dict:
    if not ms.size:
        return {"p50": None, "p95": None, "p99": None, "mean": None}
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return {"p50": round(float(p50), 1), "p95": round(float(p95), 1), "p99": round(float(p99), 1),
            "mean": round(float(ms.mean()), 1)}


def _server_medians(ok: list[Reply]) -> dict:
    timings = [r.body.get("timings_ms") or {} for r in ok if isinstance(r.body, dict)]
    stages = [s for s in STAGES if any(s in t for t in timings)]
    stages += sorted({s for t in timings for s in t} - set(stages))
    return {s: round(float(np.median([t[s] for t in timings if s in t])), 1) for s in stages}


def warm_up(url: str, claims: list[str], count: int, top_k: int) -> None:
    """Untimed requests: the first ones pay for lazy loads and cold caches."""
    client = Client(url)
    try:
        for i in range(count):
            reply = client.call("POST", "/v1/verify", verify_body(claims[i % len(claims)], top_k))
            if reply.status != 200:
                raise ServerError(f"the warm-up request to {url}/v1/verify failed ({reply.error}); "
                                  f"nothing was measured")
    finally:
        client.close()


def index_figures(url: str) -> dict:
    """What the server's index holds (GET /v1/stats)."""
    client = Client(url, timeout=60)
    try:
        reply = client.call("GET", "/v1/stats")
    finally:
        client.close()
    if reply.status != 200 or not isinstance(reply.body, dict):
        raise ServerError(f"GET {url}/v1/stats failed ({reply.error or 'not JSON'}); is it a Recoupe server?")
    return {k: reply.body.get(k) for k in ("articles", "passages", "index_type", "index_kind")}


def measure(url: str, claims: list[str], clients=DEFAULT_CLIENTS, requests: int = DEFAULT_REQUESTS,
            top_k: int = 10, warmup: int = DEFAULT_WARMUP, server: dict | None = None, log=print) -> dict:
    """Warm up, then one level per number of clients; the figures as a dict.

    `server` describes the server for the record (whether it was started here, its threads).
    """
    url = url.rstrip("/")
    check_options(requests, top_k, warmup)
    if not claims:
        raise InvalidInput("no claims to send")
    index = index_figures(url)
    log(f"{url}: {index['passages']} passages from {index['articles']} articles ({index['index_kind']}); "
        f"{len(claims)} claims, top_k {top_k}")
    if warmup:
        log(f"warm-up: {warmup} untimed request{'s' if warmup > 1 else ''}")
        warm_up(url, claims, warmup, top_k)
    levels = []
    for n in clients:
        log(f"{n} client{'s' if n > 1 else ''}: {requests} requests ...")
        levels.append(run_level(url, claims, n, requests, top_k))
    return {
        "endpoint": "POST /v1/verify",
        "url": url,
        "index": index,
        "top_k": top_k,
        "claims": len(claims),
        "warmup_requests": warmup,
        "cpu_count": os.cpu_count(),
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "server": server or {"started": False, "threads": None},
        "levels": levels,
    }


# ---------------------------------------------------------------- the server under test


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


def check_ready(url: str, timeout: float = 10.0) -> bool:
    """True once the server can verify claims; False while it does not answer yet."""
    client = Client(url, timeout=timeout)
    try:
        reply = client.call("GET", "/v1/health")
    finally:
        client.close()
    if reply.status is None:
        return False
    health = reply.body if isinstance(reply.body, dict) else {}
    if reply.status == 200 and health.get("status") == "ok":
        return True
    raise ServerError(f"the server at {url} cannot verify claims: GET /v1/health answered "
                      f"{reply.error or json.dumps(health)[:300]}")


def wait_ready(url: str, proc: subprocess.Popen, log_path: Path, timeout: float = STARTUP_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerError(f"the server exited with status {proc.returncode} before it was ready; "
                              f"the end of its log:\n{log_tail(log_path)}")
        if check_ready(url):
            return
        time.sleep(HEALTH_POLL_S)
    raise ServerError(f"the server did not answer GET /v1/health within {timeout:g} s; "
                      f"the end of its log:\n{log_tail(log_path)}")


def server_command(port: int, threads: int) -> list[str]:
    return [sys.executable, "-m", "service.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port),
            "--workers", "1", "--threads", str(threads)]


def server_environment(config, rate_limits: bool = False) -> dict:
    """The benchmark's whole configuration, as RECOUPE_<FIELD> variables: the server serves what was asked
    (a --config file, --data-dir, --index-type, --runtime given to `recoupe` included)."""
    values = {f.name: getattr(config, f.name) for f in fields(config)}
    values["data_dir"] = Path(config.data_dir).resolve()  # the same folder, whatever the working directory
    for budget in ("verify", "writes", "reads"):  # a benchmark measures the server, not its rate limits
        if not rate_limits:
            values[f"rate_limit_{budget}"] = ""
    return {**os.environ, **{f"RECOUPE_{name.upper()}": str(value) for name, value in values.items()}}


def check_index_exists(data_dir: Path) -> None:
    from service.index.persist import DB_NAME

    if not (Path(data_dir) / DB_NAME).is_file():
        raise InvalidInput(f"no index in {data_dir}: run ./setup.sh (it ingests seeds/ into ./data), "
                           f"`recoupe ingest PATH`, or pass --data-dir or --url")


def stop(proc: subprocess.Popen, log=print) -> None:
    from service.cli.serve_cmd import GRACEFUL_TIMEOUT_S

    if proc.poll() is None:
        proc.terminate()  # gunicorn's graceful stop: requests in flight finish, the index is saved
        try:
            proc.wait(timeout=GRACEFUL_TIMEOUT_S + 10)
        except subprocess.TimeoutExpired:
            log(f"the server (pid {proc.pid}) did not stop within {GRACEFUL_TIMEOUT_S + 10} s; killing it")
            proc.kill()
            proc.wait()


@dataclass
class StartedServer:
    url: str
    proc: subprocess.Popen
    log_path: Path

    def check_running(self) -> None:
        """Figures taken while the server went down are not figures of the server."""
        if self.proc.poll() is not None:
            raise ServerError(f"the server stopped during the benchmark (exit status {self.proc.returncode}); "
                              f"no figures are kept. The end of its log:\n{log_tail(self.log_path)}")


@contextmanager
def served(config, threads: int, log=print, rate_limits: bool = False):
    """A `recoupe serve` process on a free port, ready to verify; stopped on the way out, whatever happens."""
    check_index_exists(config.data_dir)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    fd, name = tempfile.mkstemp(prefix="recoupe-bench-server-", suffix=".log")
    log_path = Path(name)
    command = server_command(port, threads)
    log(f"starting the server on {url} ({threads} threads, index {Path(config.data_dir).resolve()}); "
        f"it loads the models first ...")
    try:
        with os.fdopen(fd, "wb") as out:
            proc = subprocess.Popen(command, env=server_environment(config, rate_limits), stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=subprocess.STDOUT)
        try:
            t0 = time.perf_counter()
            wait_ready(url, proc, log_path)
            log(f"server ready in {time.perf_counter() - t0:.1f} s (pid {proc.pid})")
            yield StartedServer(url, proc, log_path)
        finally:
            stop(proc, log)
    finally:
        log_path.unlink(missing_ok=True)


# ---------------------------------------------------------------- the command


def run(config, *, url: str | None = None, threads: int | None = None, claims_path: str | None = None,
        clients=DEFAULT_CLIENTS, requests: int = DEFAULT_REQUESTS, top_k: int = 10,
        warmup: int = DEFAULT_WARMUP, log=print) -> dict:
    """`recoupe bench latency`: against `url`, or a server started here with `threads` threads."""
    from service.cli.serve_cmd import DEFAULT_THREADS

    if url and threads is not None:
        raise InvalidInput("--threads sets up the server the benchmark starts; it cannot change the one at --url")
    threads = DEFAULT_THREADS if threads is None else threads
    check_options(requests, top_k, warmup, threads)
    claims = load_claims(claims_path, log)
    if url:
        if not check_ready(url.rstrip("/")):
            raise ServerError(f"cannot reach the Recoupe server at {url}; check the URL and that it is running")
        return measure(url, claims, clients, requests, top_k, warmup, log=log)
    with served(config, threads, log) as server:
        result = measure(server.url, claims, clients, requests, top_k, warmup,
                         server={"started": True, "workers": 1, "threads": threads}, log=log)
        server.check_running()
        return result


def table(result: dict) -> str:
    index, server = result["index"], result["server"]
    head = (f"POST /v1/verify, top_k {result['top_k']}, {index['passages']} passages; "
            f"server threads {server['threads'] or 'unknown'}, {result['cpu_count']} CPUs")
    stages = [s for s in STAGES if any(s in lv["server_timings_ms_median"] for lv in result["levels"])]
    cols = ["clients", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "mean ms", "req/s"]
    cols += [f"srv {s} ms" for s in stages]
    rows = [cols]
    for lv in result["levels"]:
        lat = lv["latency_ms"]
        rows.append([str(lv["clients"]), str(lv["requests"]), str(lv["errors"]),
                     *(_fmt(lat[k]) for k in ("p50", "p95", "p99", "mean")), _fmt(lv["throughput_rps"], 2),
                     *(_fmt(lv["server_timings_ms_median"].get(s)) for s in stages)])
    widths = [max(len(row[i]) for row in rows) for i in range(len(cols))]
    lines = [head] + ["  ".join(cell.rjust(w) for cell, w in zip(row, widths)) for row in rows]
    lines += [f"first error with {lv['clients']} client{'s' if lv['clients'] > 1 else ''}: {lv['first_error']}"
              for lv in result["levels"] if lv.get("first_error")]
    return "\n".join(lines)


def _fmt(value, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"
