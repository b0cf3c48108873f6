"""This checkout against a baseline checkout, side by side in one run.

    git worktree add --detach ../recoupe-base <commit>    # models/ and data/ linked or built there
    recoupe --data-dir DIR bench speed --baseline ../recoupe-base --check-claims claims.csv

Absolute times on a shared or throttled machine say little; ratios measured
in the same run, one tree after the other, say what changed. Each tree runs
its own code with its own models folder on the same index:

- latency: `recoupe serve` from each tree, then POST /v1/verify at 1, 4 and
  16 clients (bench/latency.py): p50, p95, requests/s;
- check: `recoupe check` of the same claims file from each tree: claims/s,
  and whether both wrote the same verdicts;
- embed: the int8 embedder's passages/s on ~30-token SciFact sentences, with
  the fraction of the CPU's int8 compute bound it reaches (`int8_bound`);
- cold start: `recoupe verify CLAIM` from a shell, best of three.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from lab.bench import latency
from lab.bench.segment import cpu_name
from service.config import REPO_ROOT
from service.errors import InvalidInput

COLD_CLAIM = "Kim Kardashian a 189 millions d'abonnés sur Instagram"
# e5-small: 12 layers, hidden 384, feed-forward 1536 (the embedder and the stance model alike).
LAYERS, HIDDEN, FFN = 12, 384, 1536
# Assumed int8 multiply-accumulates per cycle per core: one 512-bit VPDPBUSD (64 u8 x s8 MACs) per
# cycle. A core that issues two per cycle (full-width AVX-512 with two VNNI pipes) doubles the bound.
INT8_MACS_PER_CYCLE = 64


def cpu_flags() -> set[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def cpu_mhz() -> float | None:
    try:
        values = [float(line.split(":", 1)[1]) for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("cpu MHz")]
    except (OSError, ValueError):
        return None
    return max(values) if values else None


def flops_per_token(seq: float) -> float:
    """Forward FLOPs per token of an e5-small encoder: the dense layers (2 per weight) and attention."""
    dense = LAYERS * 2 * (4 * HIDDEN * HIDDEN + 2 * HIDDEN * FFN)
    attention = LAYERS * 2 * 2 * seq * HIDDEN  # scores and weighted sum
    return dense + attention


def int8_bound(sentences_per_s: float, tokens_per_sentence: float, cores: int) -> dict:
    mhz = cpu_mhz()
    peak = cores * (mhz or 0) * 1e6 * INT8_MACS_PER_CYCLE * 2
    achieved = sentences_per_s * tokens_per_sentence * flops_per_token(tokens_per_sentence)
    return {"flops_per_token": round(flops_per_token(tokens_per_sentence)), "tokens_per_sentence":
            round(tokens_per_sentence, 1), "achieved_gops": round(achieved / 1e9, 1), "cores": cores,
            "mhz": mhz, "int8_ops_per_cycle_per_core": INT8_MACS_PER_CYCLE * 2, "peak_gops": round(peak / 1e9, 1),
            "bound_sentences_per_s": round(peak / (tokens_per_sentence * flops_per_token(tokens_per_sentence)), 1)
            if peak else None, "fraction": round(achieved / peak, 3) if peak else None,
            "vnni": "avx512_vnni" in cpu_flags()}


# ---------------------------------------------------------------- one tree


def _env(data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECOUPE_")}
    env.update(RECOUPE_DATA_DIR=str(Path(data_dir).resolve()), RECOUPE_RATE_LIMIT_VERIFY="",
               RECOUPE_RATE_LIMIT_WRITES="", RECOUPE_RATE_LIMIT_READS="")
    return env


def _python(tree: Path, args: list[str], data_dir: Path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=tree, env=_env(data_dir), capture_output=True, text=True,
                          **kw)


def latency_of(tree: Path, data_dir: Path, claims: list[str], clients, requests: int, threads: int | None,
               log, cache: bool = False) -> dict:
    port = latency.free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "service.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--workers", "1"] + (["--threads", str(threads)] if threads else [])
    with tempfile.NamedTemporaryFile(prefix="recoupe-speed-", suffix=".log", delete=False) as out:
        log_path = Path(out.name)
        # The claims repeat (60 requests of 40 seed claims, after a warm-up of the first 5): the stance
        # cache would answer the repeats, so it is off unless asked (a tree without one ignores this).
        env = {**_env(data_dir), **({} if cache else {"RECOUPE_STANCE_CACHE_PAIRS": "0"})}
        proc = subprocess.Popen(cmd, cwd=tree, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        latency.wait_ready(url, proc, log_path)
        result = latency.measure(url, claims, clients, requests, 10, latency.DEFAULT_WARMUP,
                                 server={"started": True, "threads": threads or "default"}, log=log)
        if proc.poll() is not None:
            raise latency.ServerError(f"the server of {tree} stopped during the run:\n{latency.log_tail(log_path)}")
        return result
    finally:
        latency.stop(proc, log)
        log_path.unlink(missing_ok=True)


def check_of(tree: Path, data_dir: Path, claims_file: Path, out_dir: Path, name: str) -> dict:
    out = out_dir / f"check-{name}.csv"
    out.unlink(missing_ok=True)
    t0 = time.perf_counter()
    done = _python(tree, ["-m", "service.cli.main", "check", str(claims_file), "-o", str(out)], data_dir)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise InvalidInput(f"`recoupe check` failed in {tree}:\n{done.stderr[-2000:]}")
    rate = next((float(w) for line in done.stderr.splitlines() if "claims/s" in line
                 for w, nxt in zip(line.split(), line.split()[1:]) if nxt.startswith("claims/s")), None)
    with open(out, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {"claims": len(rows), "claims_per_s": rate, "wall_s_with_start": round(wall, 1),
            "verdicts": [r.get("verdict") for r in rows], "csv": str(out)}


_EMBED = """
import json, sys, time
from pathlib import Path
from service.models.embedder import Embedder
texts = json.load(open(sys.argv[1]))
emb = Embedder(Path("models/e5-small"), runtime="onnx-int8", threads=int(sys.argv[2]))
emb.encode_passages(texts[:64])
best = 0.0
for _ in range(int(sys.argv[3])):
    t0 = time.perf_counter(); emb.encode_passages(texts); best = max(best, len(texts) / (time.perf_counter() - t0))
print(json.dumps({"sentences_per_s": round(best, 1)}))
"""


def embed_of(tree: Path, data_dir: Path, texts_file: Path, reps: int = 3) -> dict:
    done = _python(tree, ["-c", _EMBED, str(texts_file), "0", str(reps)], data_dir)
    if done.returncode != 0:
        raise InvalidInput(f"the embedder benchmark failed in {tree}:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def cold_of(tree: Path, data_dir: Path, reps: int = 3) -> dict:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        done = _python(tree, ["-m", "service.cli.main", "verify", COLD_CLAIM], data_dir)
        times.append(time.perf_counter() - t0)
        if done.returncode != 0:
            raise InvalidInput(f"`recoupe verify` failed in {tree}:\n{done.stderr[-2000:]}")
    return {"best_s": round(min(times), 2), "all_s": [round(t, 2) for t in times]}


# ---------------------------------------------------------------- work per claim (this tree only)


def work_per_claim(config, claims: list[str], per_request: int = 1, pooled: int = 16) -> dict:
    """What the stance model is given for `claims`, and what of it is redundant:

    - duplicate pairs (run once by the batcher) and duplicate premises (a
      cross-encoder reads premise and claim together: they cannot be shared);
    - padding: tokens padded over real tokens (none as served, one pair per
      call; length-sorted batches of 32 for comparison, per request and with
      `pooled` requests sharing a call);
    - pairs the evidence selector rules out whatever the stance model says:
      the evidence model is linear in the stance probabilities, so its
      highest score over every possible answer is at one of the three corners
      of the simplex; below the evidence threshold there, the pair cannot
      become evidence. Such pairs still feed the claim model and show their
      probabilities, so they are counted, not cut.
    """
    from service.stance.model import PAD_ID, length_batches  # noqa: F401 - PAD_ID documents the width rule
    from service.verdict.features import PASSAGE_FEATURES
    from service.verify import load_verifier

    verifier = load_verifier(config)
    bare = verifier.stance.model if hasattr(verifier.stance, "model") else verifier.stance
    seen: list[list[tuple[str, str]]] = []
    original = bare.predict
    bare.predict = lambda pairs, batch_size=32: (seen.append(list(pairs)), original(pairs, batch_size))[1]
    try:
        weighed = []
        for start in range(0, len(claims), per_request):
            verifier.stance.cache._data.clear() if hasattr(verifier.stance, "cache") else None
            w, _ = verifier.weigh_many(claims[start:start + per_request])
            weighed += w
    finally:
        bare.predict = original
        verifier.corpus.close()
    pairs = [p for call in seen for p in call]
    tok = bare._tok
    lengths = [len(e.ids) for e in tok.encode_batch(pairs)]

    def padding(groups: list[list[int]]) -> float:
        real = padded = 0
        for g in groups:
            for idx in length_batches([lengths[i] for i in g], 32):
                width = max(lengths[g[j]] for j in idx)
                real += sum(lengths[g[j]] for j in idx)
                padded += width * len(idx)
        return round((padded - real) / max(1, real), 4)

    at, calls = 0, []
    for call in seen:
        calls.append(list(range(at, at + len(call))))
        at += len(call)
    pooled_calls = [sum(calls[i:i + pooled], []) for i in range(0, len(calls), pooled)]
    ruled_out = 0
    model = verifier.verdict
    cols = [PASSAGE_FEATURES.index(n) for n in ("p_supports", "p_neutral", "p_refutes")]
    for w in weighed:
        best = np.zeros(len(w.features))
        for corner in np.eye(3):
            x = w.features.copy()
            x[:, cols] = corner
            best = np.maximum(best, model.evidence_scores(x))
        ruled_out += int((best < model.evidence_threshold).sum())
    return {"claims": len(claims), "pairs": len(pairs), "pairs_per_claim": round(len(pairs) / max(1, len(claims)), 2),
            "distinct_pairs": len(set(pairs)), "distinct_premises": len({p for p, _ in pairs}),
            "mean_tokens": round(float(np.mean(lengths)), 1) if lengths else None,
            # Served one pair per call (stance/model.py SERVING_BATCH), nothing is padded; these say what
            # length-sorted batches of 32 would pad, per request and with `pooled` requests together.
            "padding_served": 0.0, "padding_batches_of_32_alone": padding(calls),
            f"padding_batches_of_32_{pooled}_pooled": padding(pooled_calls),
            "ruled_out_whatever_the_stance": ruled_out,
            "ruled_out_share": round(ruled_out / max(1, len(pairs)), 4)}


# ---------------------------------------------------------------- verdicts with and without batching


def seeds_batching(config, clients: int = 16) -> dict:
    """The seed claims on an index of seeds/, verified three ways with this tree's models: one claim at a
    time with the bare models, 16 claims per call as `recoupe eval seeds` does, and from `clients`
    threads at once through the shared (batching) models. Verdicts and the largest stance difference."""
    import threading
    from dataclasses import replace

    from service.corpus import Corpus
    from lab.evaluate.datasets import SEED_CORPUS, load_seed_claims
    from service.models.registry import get_models
    from service.verify import Verifier

    rows = load_seed_claims()
    claims = [r["claim"] for r in rows]
    models = get_models(config)
    with tempfile.TemporaryDirectory(prefix="recoupe-speed-seeds-") as tmp:
        corpus = Corpus(replace(config, data_dir=Path(tmp)), models.embedder)
        try:
            corpus.ingest_paths([SEED_CORPUS])
            bare = Verifier.on_corpus(corpus, models.stance, models.verdict)
            alone = [bare.verify(c) for c in claims]
            by16 = [v for i in range(0, len(claims), 16) for v in bare.verify_many(claims[i:i + 16])]
            corpus.embedder = models.shared_embedder
            shared = Verifier.on_corpus(corpus, models.shared_stance, models.verdict)
            shared.stance.cache._data.clear()
            got: list = [None] * len(claims)
            next_i = iter(range(len(claims)))
            lock = threading.Lock()

            def client():
                while True:
                    with lock:
                        i = next(next_i, None)
                    if i is None:
                        return
                    got[i] = shared.verify(claims[i])

            calls0 = shared.stance.queue.calls
            threads = [threading.Thread(target=client) for _ in range(clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            calls = shared.stance.queue.calls - calls0
        finally:
            corpus.close()

    def right(vs):
        return sum(v.verdict.value == r["expected"] for v, r in zip(vs, rows))

    def diff(a, b):
        return max((abs(x.probabilities[k] - y.probabilities[k]) for va, vb in zip(a, b)
                    for x, y in zip(va.evidence, vb.evidence) if x.text == y.text for k in x.probabilities),
                   default=0.0)

    verdicts = {name: [v.verdict.value for v in vs] for name, vs in (("alone", alone), ("by16", by16),
                                                                       ("shared", got))}
    return {"claims": len(claims), "right": {"alone": right(alone), "by16": right(by16), "shared": right(got)},
            "same_verdicts_alone_vs_shared": verdicts["alone"] == verdicts["shared"],
            "same_verdicts_by16_vs_shared": verdicts["by16"] == verdicts["shared"],
            "differing_claims_alone_vs_shared": [c for c, a, b in zip(claims, verdicts["alone"], verdicts["shared"])
                                                 if a != b],
            "max_stance_probability_difference_alone_vs_shared": round(diff(alone, got), 4),
            "shared_model_calls": calls, "clients": clients}


# ---------------------------------------------------------------- the run


def run(config, *, baseline: str, check_claims: str | None = None, latency_claims: str | None = None,
        clients=(1, 4, 16), requests: int = 60, threads: int | None = None, parts=("latency", "check", "embed", "cold"),
        embed_count: int = 1000, data: str | None = None, log=print) -> dict:
    base = Path(baseline).resolve()
    here = REPO_ROOT
    if not (base / "service" / "cli" / "main.py").is_file():
        raise InvalidInput(f"{base} is not a Recoupe checkout (make one with `git worktree add --detach DIR COMMIT`)")
    data_dir = Path(config.data_dir).resolve()
    latency.check_index_exists(data_dir)
    trees = {"baseline": base, "this": here}
    commits = {name: subprocess.run(["git", "rev-parse", "HEAD"], cwd=t, capture_output=True, text=True).stdout.strip()
               for name, t in trees.items()}
    out = {"cpu": cpu_name(), "cpu_count": os.cpu_count(), "cpu_mhz": cpu_mhz(),
           "vnni": "avx512_vnni" in cpu_flags(), "data_dir": data_dir.name, "commits": commits,
           "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "load_average_at_start": os.getloadavg()}
    log(f"{out['cpu']}, {out['cpu_count']} CPUs; baseline {commits['baseline'][:10]} vs this {commits['this'][:10]}; "
        f"load average {out['load_average_at_start'][0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="recoupe-speed-") as tmp:
        tmp = Path(tmp)
        if "cold" in parts:
            out["cold_start"] = {name: cold_of(t, data_dir) for name, t in trees.items()}
            log(f"cold start `recoupe verify`: {out['cold_start']}")
        if "embed" in parts:
            from lab.bench.data import bench_data_dir
            from lab.bench.embed_speed import sentences_of_about

            texts = sentences_of_about((25, 35), embed_count, bench_data_dir(data))
            texts_file = tmp / "sentences.json"
            texts_file.write_text(json.dumps(texts))
            tokens = _mean_tokens(config, texts)
            out["embed"] = {name: embed_of(t, data_dir, texts_file) for name, t in trees.items()}
            for name in trees:
                out["embed"][name]["int8_bound"] = int8_bound(out["embed"][name]["sentences_per_s"], tokens,
                                                              os.cpu_count() or 1)
            log(f"embedder: {json.dumps(out['embed'])}")
        if "check" in parts:
            if not check_claims:
                raise InvalidInput("--check-claims FILE is needed for the check part")
            out["check"] = {name: check_of(t, data_dir, Path(check_claims).resolve(), tmp, name)
                            for name, t in trees.items()}
            same = out["check"]["baseline"]["verdicts"] == out["check"]["this"]["verdicts"]
            out["check"]["same_verdicts"] = same
            for name in trees:
                out["check"][name].pop("csv")
                out["check"][name]["verdicts"] = _counts(out["check"][name]["verdicts"])
            log(f"check: {json.dumps(out['check'])}")
        if "latency" in parts:
            claims = latency.load_claims(latency_claims, log)
            out["latency"] = {}
            for name, t in trees.items():
                log(f"latency, {name} ({t}) ...")
                out["latency"][name] = latency_of(t, data_dir, claims, clients, requests, threads, log)
                log(latency.table(out["latency"][name]))
    if "seeds" in parts:
        out["seeds_batching"] = seeds_batching(config)
        log(f"seed verdicts with and without batching: {json.dumps(out['seeds_batching'])}")
    if "work" in parts:
        from dataclasses import replace

        claims = latency.load_claims(check_claims, log)[:100]
        out["work_per_claim"] = work_per_claim(replace(config, stance_cache_pairs=0), claims)
        log(f"work per claim: {json.dumps(out['work_per_claim'])}")
    out["ratios"] = ratios(out)
    out["load_average_at_end"] = os.getloadavg()
    return out


def _counts(verdicts: list) -> dict:
    counts: dict = {}
    for v in verdicts:
        counts[v] = counts.get(v, 0) + 1
    return counts


def _mean_tokens(config, texts: list[str]) -> float:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(config.embedder_dir / "tokenizer.json"))
    return sum(len(e.ids) for e in tok.encode_batch(["passage: " + t for t in texts])) / max(1, len(texts))


def ratios(out: dict) -> dict:
    """this / baseline, beside the targets of the speed work."""
    r = {}
    if "latency" in out:
        levels = {name: {lv["clients"]: lv for lv in res["levels"]} for name, res in out["latency"].items()}
        for n in levels["this"]:
            new, old = levels["this"][n], levels["baseline"].get(n)
            if old and old["latency_ms"]["p50"] and new["latency_ms"]["p50"]:
                r[f"{n}_clients"] = {"p50": round(new["latency_ms"]["p50"] / old["latency_ms"]["p50"], 3),
                                     "p95": round(new["latency_ms"]["p95"] / old["latency_ms"]["p95"], 3),
                                     "throughput": round(new["throughput_rps"] / old["throughput_rps"], 3)}
    if "check" in out and out["check"]["baseline"]["claims_per_s"]:
        r["check_claims_per_s"] = round(out["check"]["this"]["claims_per_s"] / out["check"]["baseline"]["claims_per_s"], 3)
    if "embed" in out:
        r["embed_sentences_per_s"] = round(out["embed"]["this"]["sentences_per_s"]
                                           / out["embed"]["baseline"]["sentences_per_s"], 3)
    if "cold_start" in out:
        r["cold_start"] = round(out["cold_start"]["this"]["best_s"] / out["cold_start"]["baseline"]["best_s"], 3)
    r["targets"] = {"1_clients.p50": "<= 0.6", "16_clients.throughput": ">= 2.5", "16_clients.p95": "<= 0.5",
                    "check_claims_per_s": ">= 2", "embed int8_bound.fraction": ">= 0.6"}
    return r
