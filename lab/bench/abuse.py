"""`recoupe bench abuse`: does `/v1/health` keep answering while the server is abused?

Against a `recoupe serve` started here (the configured index copied to a
scratch folder, 4 request threads, rate limits on, an API key), for
`seconds`:
- `slow_clients` connections trickle a request head a byte a second,
  reconnecting whenever the server closes them;
- one client posts a ~1 MB single-paragraph article (with the key), then
  a 3 MB chunked body and a 3 MB body with Content-Length (both must be 413);
- one client sends wrong-key DELETEs until it gets 429s (with Retry-After);
- one client sends issue 21's probe: an article holding a 150,000-character token (linear-time
  patterns: 201), writes from another site (each CSRF header combination: 403), a batch named in
  Chinese (202) and a page form over the body limit (413);
- a monitor polls GET /v1/health every 0.2 s: latency p50/p99/max, failures.

Targets (issue 12): health p99 < 1 s throughout; 429 once over the limit. Issue 21: the probe's
statuses above.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse
from dataclasses import replace

from lab.bench.latency import Client, served
from service.config import Config
from lab.bench.scratch import scratch_index


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _slow_client(host: str, port: int, stop: threading.Event, stats: dict, lock: threading.Lock) -> None:
    head = b"GET /v1/stats HTTP/1.1\r\nHost: abuse\r\nX-Padding: " + b"p" * 4000 + b"\r\n\r\n"
    while not stop.is_set():
        try:
            with socket.create_connection((host, port), timeout=5) as sock:
                with lock:
                    stats["connections"] += 1
                for byte in head:
                    if stop.is_set():
                        return
                    sock.send(bytes([byte]))
                    stop.wait(1.0)
        except OSError:
            with lock:
                stats["closed_by_server"] += 1
            stop.wait(0.5)


def _raw_request(host: str, port: int, data: bytes, timeout: float = 120) -> tuple[int | None, dict, float]:
    """Send `data` and read the answer at the same time: a server that refuses a body early (413) answers and
    closes while the body is still going out, and the client's send then fails; reading only after sending
    lost that answer now and then, on a loaded machine."""
    t0 = time.perf_counter()
    received: list[bytes] = []

    def read(sock) -> None:
        try:
            while chunk := sock.recv(65536):
                received.append(chunk)
        except OSError:
            pass

    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            reader = threading.Thread(target=read, args=(sock,), daemon=True)
            reader.start()
            try:
                sock.sendall(data)
            except OSError:
                pass  # the server stopped reading: its answer is what the reader got
            reader.join(timeout)
    except OSError:
        pass
    answer = b"".join(received)
    took = time.perf_counter() - t0
    head, _, _ = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        return None, {}, took
    headers = {k.lower(): v for k, _, v in (line.partition(": ") for line in lines[1:])}
    return status, headers, took


def _post(host: str, port: int, key: str, body: bytes, *, chunked: bool) -> tuple[int | None, float]:
    head = (f"POST /v1/articles HTTP/1.1\r\nHost: abuse\r\nContent-Type: application/json\r\nX-API-Key: {key}\r\n"
            "Connection: close\r\n")
    if chunked:
        parts = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 65536]), body[i:i + 65536])
                         for i in range(0, len(body), 65536))
        data = (head + "Transfer-Encoding: chunked\r\n\r\n").encode() + parts + b"0\r\n\r\n"
    else:
        data = (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    status, _, took = _raw_request(host, port, data)
    return status, took


def _writes(host: str, port: int, key: str, out: dict) -> None:
    from lab.bench.segment import paragraph

    article = json.dumps({"id": "abuse-1mb", "title": "Un long article", "text": paragraph(990_000)},
                         ensure_ascii=False).encode("utf-8")
    out["ingest_1mb"] = dict(zip(("status", "seconds"), _post(host, port, key, article, chunked=False)))
    out["ingest_1mb"]["bytes"] = len(article)
    big = json.dumps({"id": "abuse-3mb", "text": "Un fait établi ici. " * 150_000}).encode("utf-8")
    out["chunked_3mb"] = dict(zip(("status", "seconds"), _post(host, port, key, big, chunked=True)))
    out["content_length_3mb"] = dict(zip(("status", "seconds"), _post(host, port, key, big, chunked=False)))


# Issue 21's cross-site writes: each must be a 403 whatever the browser sends.
CROSS_SITE_HEADERS = [{"Sec-Fetch-Site": "cross-site"}, {"Origin": "http://evil.example"}, {"Origin": "null"},
                      {"Referer": "http://evil.example/a.html"},
                      {"Sec-Fetch-Site": "same-origin", "Origin": "http://evil.example"}]


def _form(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = "recoupe-abuse-21"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
    parts += [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{name}"\r\n'
              f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n" for k, (name, data) in files.items()]
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _send(host: str, port: int, method: str, path: str, body: bytes, headers: dict) -> tuple[int | None, float]:
    head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": f"{host}:{port}", "Connection": "close",
                                                  "Content-Length": str(len(body)), **headers}.items())
    status, _, took = _raw_request(host, port, f"{method} {path} HTTP/1.1\r\n{head}\r\n".encode() + body)
    return status, took


def _probe(host: str, port: int, key: str, out: dict) -> None:
    """Issue 21's outside probe, as statuses and seconds."""
    text = "Kim Kardashian publie sur Instagram chaque jour. " + "x" * 150_000 + " Une autre phrase."
    article = json.dumps({"id": "abuse-long-token", "title": "t", "text": text}).encode()
    status, took = _send(host, port, "POST", "/v1/articles", article, {"Content-Type": "application/json", "X-API-Key": key})
    out["long_token_article"] = {"status": status, "seconds": round(took, 2)}
    claims, kind = _form({}, {"claims": ("中文の主張.csv", "id,claim\n1,La tour Eiffel mesure 330 mètres\n".encode())})
    cross = [_send(host, port, "POST", "/v1/batches", claims, {"Content-Type": kind, "X-API-Key": key, **h})[0]
             for h in CROSS_SITE_HEADERS]
    cross += [_send(host, port, "POST", "/check", b"claim=x", {"Content-Type": "application/x-www-form-urlencoded", **h})[0]
              for h in CROSS_SITE_HEADERS]
    out["cross_site_writes"] = {"sent": len(cross), "403": cross.count(403), "other": sorted({s for s in cross if s != 403}, key=str)}
    out["batch_named_in_chinese"] = {"status": _send(host, port, "POST", "/v1/batches", claims,
                                                     {"Content-Type": kind, "X-API-Key": key})[0]}
    big, kind = _form({"api_key": key}, {"files": ("big.txt", b"a" * (1024 * 1024 + 1000))})
    out["page_form_over_limit"] = {"status": _send(host, port, "POST", "/corpus/upload", big, {"Content-Type": kind})[0]}


def _wrong_keys(host: str, port: int, out: dict, attempts: int = 100) -> None:
    statuses, retry_after = [], None
    for _ in range(attempts):
        status, headers, _ = _raw_request(host, port, b"DELETE /v1/articles/x HTTP/1.1\r\nHost: abuse\r\n"
                                                      b"X-API-Key: wrong\r\nConnection: close\r\n\r\n", timeout=30)
        statuses.append(status)
        if status == 429 and retry_after is None:
            retry_after = headers.get("retry-after")
    first = statuses.index(429) + 1 if 429 in statuses else None
    out["wrong_key_deletes"] = {"sent": attempts, "401": statuses.count(401), "429": statuses.count(429),
                                "first_429_at": first, "retry_after": retry_after,
                                "other": sorted({s for s in statuses if s not in (401, 429)}, key=str)}


def run(config, *, slow_clients: int = 32, seconds: float = 60, threads: int = 4, log=print) -> dict:
    with scratch_index(config, "abuse") as (_tmp, data_dir, key):
        # The limits under test: the configured ones, or the defaults where a limit is turned off.
        limits = {f"rate_limit_{b}": getattr(config, f"rate_limit_{b}") or getattr(Config(), f"rate_limit_{b}")
                  for b in ("verify", "writes", "reads")}
        bench_config = replace(config, data_dir=data_dir, api_key=key, **limits)
        with served(bench_config, threads, log=log, rate_limits=True) as server:
            parts = urllib.parse.urlsplit(server.url)
            host, port = parts.hostname, parts.port
            stop, lock = threading.Event(), threading.Lock()
            slow_stats = {"clients": slow_clients, "connections": 0, "closed_by_server": 0}
            writes: dict = {}
            threads_ = [threading.Thread(target=_slow_client, args=(host, port, stop, slow_stats, lock), daemon=True)
                        for _ in range(slow_clients)]
            for t in threads_:
                t.start()
            time.sleep(2)  # the slow clients are connected before the rest starts
            workers = [threading.Thread(target=_writes, args=(host, port, key, writes), daemon=True),
                       threading.Thread(target=_wrong_keys, args=(host, port, writes), daemon=True),
                       threading.Thread(target=_probe, args=(host, port, key, writes), daemon=True)]
            for t in workers:
                t.start()
            latencies, failures = [], 0
            deadline = time.monotonic() + seconds
            monitor = Client(server.url, timeout=10)
            while time.monotonic() < deadline or any(t.is_alive() for t in workers):
                reply = monitor.call("GET", "/v1/health")
                if reply.status == 200:
                    latencies.append(reply.seconds)
                else:
                    failures += 1
                time.sleep(0.2)
                if time.monotonic() > deadline + 300:
                    break
            monitor.close()
            stop.set()
            for t in workers:
                t.join(timeout=5)
            server.check_running()
    p99 = _percentile(latencies, 0.99)
    result = {
        "seconds": seconds, "threads": threads,
        "health": {"requests": len(latencies) + failures, "failures": failures,
                   "p50_ms": round(1000 * _percentile(latencies, 0.5), 1) if latencies else None,
                   "p99_ms": round(1000 * p99, 1) if p99 is not None else None,
                   "max_ms": round(1000 * max(latencies), 1) if latencies else None},
        "slow_clients": slow_stats, **writes,
    }
    limited = writes.get("wrong_key_deletes", {}).get("first_429_at") is not None
    result["targets"] = {"health_p99_under_1s": p99 is not None and p99 < 1.0 and failures == 0,
                         "429_after_the_limit": limited,
                         "oversized_bodies_413": writes.get("chunked_3mb", {}).get("status") == 413
                         and writes.get("content_length_3mb", {}).get("status") == 413,
                         "long_token_article_stored": writes.get("long_token_article", {}).get("status") == 201,
                         "cross_site_writes_403": bool(writes.get("cross_site_writes", {}).get("sent"))
                         and not writes["cross_site_writes"]["other"],
                         "batch_named_in_chinese_202": writes.get("batch_named_in_chinese", {}).get("status") == 202,
                         "page_form_over_limit_413": writes.get("page_form_over_limit", {}).get("status") == 413}
    return result
