"""`recoupe serve` under abuse, over real sockets: slow clients, odd HTTP, chunked bodies, open binds."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request

import pytest

from service.cli import serve_cmd
from service.config import Config
from service.errors import InvalidInput
from tests.servers import NO_RATE_LIMITS, REPO, serving
from tests.test_api_serve import _call, _parser

KEY = "k"


@pytest.fixture(scope="module")
def server(tmp_path_factory, embedder):  # embedder: the models must be built
    """One worker with two request threads, the real corpus, no verifier."""
    data = tmp_path_factory.mktemp("serve-hardening") / "data"
    with serving(data, verifier=False, threads=2, env={"RECOUPE_API_KEY": KEY, **NO_RATE_LIMITS}, timeout=300) as s:
        yield {"base": s.base, "port": s.port}


def _raw(port: int, data: bytes, timeout: float = 20) -> bytes:
    """Send raw bytes, read the whole answer (the server closes after an error)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def _status_and_body(raw: bytes) -> tuple[int, dict, bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    while lines and lines[0].startswith("HTTP/1.1 100"):  # an interim 100 Continue
        head, _, body = body.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


# --- slow clients --------------------------------------------------------------------------


def _slow_client(port: int, stop: threading.Event) -> None:
    """Send a request head one byte at a time, a byte every half second (slowloris)."""
    head = b"GET /v1/stats HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 200 + b"\r\n\r\n"
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            for byte in head:
                if stop.is_set():
                    return
                sock.send(bytes([byte]))
                time.sleep(0.5)
    except OSError:
        pass  # the server closed it: what it should do to a client this slow


def test_slow_clients_do_not_starve_the_request_threads(server):
    stop = threading.Event()
    slow = [threading.Thread(target=_slow_client, args=(server["port"], stop), daemon=True) for _ in range(16)]
    for t in slow:
        t.start()
    try:
        time.sleep(2)  # all 16 are connected and trickling; the worker has 2 threads
        for _ in range(5):
            with urllib.request.urlopen(f"{server['base']}/v1/health", timeout=10) as response:
                assert response.status == 200
    finally:
        stop.set()


def test_a_request_head_that_never_ends_gets_a_408_and_is_closed(server):
    with socket.create_connection(("127.0.0.1", server["port"]), timeout=40) as sock:
        sock.sendall(b"GET /v1/stats HTTP/1.1\r\nHost: x\r\n")  # no blank line, ever
        t0 = time.monotonic()
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
        waited = time.monotonic() - t0
    status, headers, body = _status_and_body(answer)
    assert status == 408 and headers["content-type"] == "application/problem+json"
    assert json.loads(body)["status"] == 408
    assert waited < 30  # closed by the head deadline, not left open


# --- errors gunicorn answers itself ------------------------------------------------------------


@pytest.mark.parametrize("raw,status", [
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 431),
    (b"NOT A REQUEST\r\n\r\n", 400),
    (b"GET /v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n", 400),
])
def test_malformed_http_gets_a_problem_json_not_an_html_page(server, raw, status):
    got, headers, body = _status_and_body(_raw(server["port"], raw))
    assert got == status
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["status"] == status and problem["title"] and b"<html" not in body


# --- chunked bodies ------------------------------------------------------------------------------


def _chunked_post(port: int, body: bytes, path: str = "/v1/articles", extra: bytes = b"") -> bytes:
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 65536]), body[i:i + 65536])
                      for i in range(0, len(body), 65536))
    head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-API-Key: {KEY}\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n").encode() + extra + b"\r\n"
    return _raw(port, head + chunks + b"0\r\n\r\n", timeout=60)


def test_a_chunked_body_over_1_mb_is_a_413_not_cut_silently(server):
    body = json.dumps({"id": "chunked-big", "text": "Un fait établi ici. " * 150_000}).encode()
    assert len(body) > 3 * 2**20
    status, headers, raw = _status_and_body(_chunked_post(server["port"], body))
    assert status == 413 and json.loads(raw)["type"] == "request-entity-too-large"
    assert _call(f"{server['base']}/v1/articles/chunked-big")[0] == 404


def test_a_small_chunked_body_is_read_whole(server):
    body = json.dumps({"id": "chunked-small", "text": "Le port du Havre a traité un volume record de conteneurs."}).encode()
    status, _, raw = _status_and_body(_chunked_post(server["port"], body))
    assert status == 201, raw
    assert _call(f"{server['base']}/v1/articles/chunked-small")[0] == 200


def test_a_client_that_waits_for_100_continue_gets_it(server):
    body = json.dumps({"id": "continued", "text": "Le port de Marseille a traité un volume record de conteneurs."}).encode()
    with socket.create_connection(("127.0.0.1", server["port"]), timeout=20) as sock:
        sock.sendall((f"POST /v1/articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-API-Key: {KEY}"
                      f"\r\nContent-Length: {len(body)}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n").encode())
        assert sock.recv(4096).startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert _status_and_body(answer)[0] == 201


def test_kept_alive_connections_still_serve_several_requests(server):
    with socket.create_connection(("127.0.0.1", server["port"]), timeout=20) as sock:
        for _ in range(3):
            sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = b""
            while b"\r\n\r\n" not in answer:
                answer += sock.recv(65536)
            head, _, body = answer.partition(b"\r\n\r\n")
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
            while len(body) < length:
                body += sock.recv(65536)
            assert head.startswith(b"HTTP/1.1 200") and json.loads(body)["status"]


# --- secure by default -----------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "example.org"])
def test_serving_beyond_loopback_without_a_key_is_refused(host):
    args = _parser().parse_args(["serve", "--host", host])
    with pytest.raises(InvalidInput, match="without an API key"):
        args.func(args, Config(api_key=""))


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_loopback_needs_no_key(host):
    serve_cmd.check_exposure(Config(host=host, api_key=""))


def test_the_override_flag_serves_open_but_says_so_loudly(capsys):
    serve_cmd.check_exposure(Config(host="0.0.0.0", api_key=""), allow_open_writes=True)
    err = capsys.readouterr().err
    assert "WITHOUT AN API KEY" in err and "--allow-open-writes" in err


def test_an_api_key_file_is_generated_once_then_reused(tmp_path):
    path = tmp_path / "secrets" / "api-key"
    first = serve_cmd.api_key_from_file(path)
    assert len(first) >= 32 and (path.stat().st_mode & 0o777) == 0o600
    assert serve_cmd.api_key_from_file(path) == first


def test_the_container_serves_with_a_generated_key():
    dockerfile = (REPO / "Dockerfile").read_text()
    cmd = json.loads(next(line for line in dockerfile.splitlines() if line.startswith("CMD ["))[4:])
    args = _parser().parse_args(cmd)
    assert args.host == "0.0.0.0" and args.api_key_file and not args.allow_open_writes
    assert "recoupe models build-stance --if-missing" in dockerfile  # verification works in the container
