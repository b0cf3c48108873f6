"""How the cluster mode behaves as nodes are added: `recoupe bench cluster`.

For each node count, a fresh local multi-node Ray cluster (ray.cluster_utils.Cluster,
one CPU per node, everything on 127.0.0.1) ingests SciFact abstracts with
`ingest --ray` (one embedding actor per node), builds 2 shards, serves them with
`serve --ray`, and answers SciFact claims from several concurrent clients. The
single-process path (Corpus.ingest_paths, the Flask app in-process) is measured
in the same run as the baseline.

Read the figures for what they are: every "node" here is a process on the same
machine, sharing its cores, so adding nodes adds scheduling, not compute. They
show what the distribution costs and that it works; speed-up needs machines.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
import threading
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import numpy as np

from service.config import REPO_ROOT, Config
from service.errors import InvalidInput

DATA = REPO_ROOT.parent / "shared" / "data" / "scifact"
SHARDS = 2
FILES = 8
# Per node: 1 CPU, of which each model replica takes 0.35 and each shard replica 0.15, so that
# one node holds one replica of everything (0.35 + 0.35 + 2 x 0.15 = 1.0).
MODEL_CPUS, SHARD_CPUS = 0.35, 0.15


def _write_corpus(folder: Path, data: Path, abstracts: int) -> int:
    lines = (data / "corpus.jsonl").read_text(encoding="utf-8").splitlines()[:abstracts]
    records = [json.loads(line) for line in lines]
    for f in range(FILES):
        part = records[f::FILES]
        with (folder / f"scifact-{f}.jsonl").open("w", encoding="utf-8") as fh:
            for d in part:
                fh.write(json.dumps({"id": f"scifact-{d['doc_id']}", "title": d["title"],
                                     "text": " ".join(d["abstract"]), "source": "SciFact", "language": "en"}) + "\n")
    return len(records)


def _claims(data: Path, n: int) -> list[str]:
    lines = (data / "claims_dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["claim"] for line in lines[:n]]


def _traffic(send, claims, clients: int) -> dict:
    """Every claim once, from `clients` threads; wall time and per-request latency."""
    queue, lock, times, failures = list(claims), threading.Lock(), [], []

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                claim = queue.pop()
            t0 = time.perf_counter()
            ok = send(claim)
            with lock:
                times.append(time.perf_counter() - t0)
                if not ok:
                    failures.append(claim)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    ms = np.asarray(times) * 1000
    return {"requests": len(times), "failed": len(failures), "wall_s": round(wall, 2),
            "claims_per_s": round(len(times) / wall, 2), "p50_ms": round(float(np.percentile(ms, 50)), 1),
            "p95_ms": round(float(np.percentile(ms, 95)), 1)}


def _post(url):
    def send(claim):
        body = json.dumps({"claim": claim}).encode()
        request = urllib.request.Request(url + "/v1/verify", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=600) as r:
            return r.status == 200
    return send


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(config: Config, nodes=(1, 2, 3), abstracts: int = 300, requests: int = 40, clients: int = 4,
        data: str | None = None, out: Path | None = None, log=print) -> dict:
    data = Path(data) if data else DATA
    if not (data / "corpus.jsonl").is_file():
        raise InvalidInput(f"SciFact not found in {data} (corpus.jsonl, claims_dev.jsonl): pass --data")
    if not nodes or min(nodes) < 1:
        raise InvalidInput("--nodes: give node counts of 1 or more, e.g. 1,2,3")
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    from service.cluster import import_ray

    ray = import_ray()
    from ray import serve
    from ray.cluster_utils import Cluster

    from service.api import create_app
    from service.cluster.deployments import run as deploy
    from service.cluster.ingest import ingest
    from service.corpus import Corpus
    from service.retrieve import shards
    from service.models.registry import get_models

    work = Path(tempfile.mkdtemp(prefix="recoupe-bench-cluster-"))
    corpus_dir = work / "corpus"
    corpus_dir.mkdir()
    n_abstracts = _write_corpus(corpus_dir, data, abstracts)
    claims = _claims(data, requests)
    base = replace(config, rate_limit_verify="", rate_limit_reads="", rate_limit_writes="", host="127.0.0.1",
                   ray_model_cpus=MODEL_CPUS, ray_shard_cpus=SHARD_CPUS, ray_model_threads=1)
    rows = []
    try:
        log(f"single process: ingesting {n_abstracts} SciFact abstracts ...")
        single_dir = work / "single"
        corpus = Corpus(replace(base, data_dir=single_dir), get_models(base).embedder)
        t0 = time.perf_counter()
        summary = corpus.ingest_paths([corpus_dir])
        ingest_s = time.perf_counter() - t0
        corpus.close()
        app = create_app(replace(base, data_dir=single_dir))
        app.test_client().post("/v1/verify", json={"claim": claims[0]})  # loads the models
        local = threading.local()

        def send_local(claim):
            client = getattr(local, "client", None) or app.test_client()
            local.client = client
            return client.post("/v1/verify", json={"claim": claim}).status_code == 200

        traffic = _traffic(send_local, claims, clients)
        rows.append({"setup": "single process (no Ray)", "nodes": 0, "passages": summary.passages_added,
                     "ingest_s": round(ingest_s, 1), "ingest_passages_per_s": round(summary.passages_added / ingest_s, 1),
                     **traffic})
        log(f"  {rows[-1]}")
        for n in nodes:
            log(f"{n} node(s): starting the cluster ...")
            t0 = time.perf_counter()
            cluster = Cluster(initialize_head=True, head_node_args={
                "num_cpus": 1, "object_store_memory": 100 * 2**20, "node_ip_address": "127.0.0.1",
                "include_dashboard": False})
            for _ in range(n - 1):
                cluster.add_node(num_cpus=1, object_store_memory=100 * 2**20, node_ip_address="127.0.0.1")
            cluster.wait_for_nodes()
            ray.init(address=cluster.address, namespace="recoupe", log_to_driver=False)
            start_s = time.perf_counter() - t0
            try:
                cfg = replace(base, data_dir=work / f"nodes-{n}", port=_free_port(), ray_max_replicas=n)
                t0 = time.perf_counter()
                summary = ingest(cfg, cluster.address, [corpus_dir], actors=n, progress=False)
                ingest_s = time.perf_counter() - t0
                t0 = time.perf_counter()
                shards.build(cfg.data_dir, SHARDS)
                shard_s = time.perf_counter() - t0
                t0 = time.perf_counter()
                url = deploy(cfg, cluster.address, SHARDS, blocking=False)
                _post(url)(claims[0])
                deploy_s = time.perf_counter() - t0
                traffic = _traffic(_post(url), claims, clients)
                rows.append({"setup": f"Ray, {n} node(s) x 1 CPU", "nodes": n, "passages": summary.passages_added,
                             "cluster_start_s": round(start_s, 1), "ingest_s": round(ingest_s, 1),
                             "ingest_passages_per_s": round(summary.passages_added / ingest_s, 1),
                             "shard_build_s": round(shard_s, 1), "deploy_s": round(deploy_s, 1), **traffic})
                log(f"  {rows[-1]}")
            finally:
                try:
                    serve.shutdown()
                finally:
                    ray.shutdown()
                    cluster.shutdown()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = {
        "what": (f"{n_abstracts} SciFact abstracts ingested, {SHARDS} shards, {len(claims)} SciFact dev claims "
                 f"verified by {clients} concurrent clients; every node a local process"),
        "machine": {"cpu_count": os.cpu_count(), "arch": platform.machine(), "processor": platform.processor(),
                    "load_average_at_end": os.getloadavg()[0]},
        "caveat": "all nodes share the same cores (and, here, a training job at nice 10): no speed-up is possible; "
                  "the figures show the cost of distribution and that it works",
        "rows": rows,
    }
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        log(f"wrote {out}")
    return report
