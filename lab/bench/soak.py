"""`recoupe bench soak --clients 16 --minutes M`: verify, add and delete mixed, for a while.

Against a `recoupe serve` on a copy of the configured index (4 request
threads, an API key, rate limits off): each client loops over a mix of
verifications (3 in 5), adds (1 in 5) and deletes of what it added (1 in
5); each client's articles have ids of their own, so the expected final
count is exact: the articles the copy started with plus those added and
not deleted. The server's resident memory is sampled every 5 s; growth is
measured from the end of the first fifth of the run (warm-up: caches, BM25,
allocator pools) to the end.

Targets (issue 12): 16 clients x 10 minutes, 0 errors, final counts exact,
RSS growth < 10% after warm-up.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import replace
from pathlib import Path

from lab.bench.latency import Client, load_claims, served
from lab.bench.scratch import scratch_index


def _rss_bytes(pid: int) -> int:
    """Resident memory of the server: the arbiter and its workers (their /proc status VmRSS)."""
    total = 0
    pids = [pid]
    try:
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            pids.append(int(child))
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def _percentile(values, q):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(config, *, clients: int = 16, minutes: float = 10, threads: int = 4, seed: int = 0, log=print) -> dict:
    claims = load_claims(None, log)
    with scratch_index(config, "soak") as (_tmp, data_dir, key):
        with served(replace(config, data_dir=data_dir, api_key=key), threads, log=log) as server:
            probe = Client(server.url)
            start_articles = probe.call("GET", "/v1/stats").body["articles"]
            stop = threading.Event()
            lock = threading.Lock()
            times = {"verify": [], "add": [], "delete": []}
            errors: list[str] = []
            alive: dict[int, set] = {}

            def client_loop(n: int) -> None:
                rng = random.Random(seed * 1000 + n)
                client = Client(server.url)
                mine: set[str] = set()
                serial = 0
                while not stop.is_set():
                    roll = rng.random()
                    if roll < 0.6 or (roll >= 0.8 and not mine):
                        kind, reply = "verify", client.call("POST", "/v1/verify",
                                                            {"claim": rng.choice(claims), "top_k": 5})
                    elif roll < 0.8:
                        serial += 1
                        article_id = f"soak-{n}-{serial}"
                        body = {"id": article_id, "title": f"Soak {n}-{serial}", "source": f"soak-{n}",
                                "text": f"Le client {n} publie l'article {serial}. " + rng.choice(claims) + "."}
                        kind, reply = "add", client.call("POST", "/v1/articles", body, {"X-API-Key": key})
                        if reply.status == 201:
                            mine.add(article_id)
                    else:
                        article_id = rng.choice(sorted(mine))
                        kind, reply = "delete", client.call("DELETE", f"/v1/articles/{article_id}",
                                                            headers={"X-API-Key": key})
                        if reply.status == 200:
                            mine.discard(article_id)
                    with lock:
                        if reply.status in (200, 201):
                            times[kind].append(reply.seconds)
                        else:
                            errors.append(f"{kind}: {reply.error or reply.status}")
                with lock:
                    alive[n] = mine
                client.close()

            pool = [threading.Thread(target=client_loop, args=(n,), daemon=True) for n in range(clients)]
            t0 = time.monotonic()
            for t in pool:
                t.start()
            rss = []
            deadline = t0 + minutes * 60
            while time.monotonic() < deadline:
                rss.append((round(time.monotonic() - t0, 1), _rss_bytes(server.proc.pid)))
                time.sleep(min(5.0, max(0.0, deadline - time.monotonic())))
            stop.set()
            for t in pool:
                t.join(timeout=300)
            rss.append((round(time.monotonic() - t0, 1), _rss_bytes(server.proc.pid)))
            stats = probe.call("GET", "/v1/stats").body
            probe.close()
            server.check_running()
    expected = start_articles + sum(len(v) for v in alive.values())
    warm = next((b for t, b in rss if t >= minutes * 60 / 5), rss[0][1])
    growth = (rss[-1][1] - warm) / warm if warm else None
    summary = {kind: {"requests": len(v), "p50_ms": round(1000 * _percentile(v, 0.5), 1) if v else None,
                      "p99_ms": round(1000 * _percentile(v, 0.99), 1) if v else None} for kind, v in times.items()}
    return {
        "clients": clients, "minutes": minutes, "threads": threads, **summary,
        "errors": len(errors), "error_examples": errors[:10],
        "articles": {"at_start": start_articles, "expected": expected, "final": stats["articles"]},
        "rss_mb": {"after_warmup": round(warm / 2**20, 1), "end": round(rss[-1][1] / 2**20, 1),
                   "growth_percent": round(100 * growth, 1) if growth is not None else None},
        "targets": {"no_error": not errors, "counts_exact": stats["articles"] == expected,
                    "rss_growth_under_10_percent": growth is not None and growth < 0.10},
    }

