"""The stance model's two int8 runtimes side by side, in one run (issue 18).

    python -m lab.bench.stance_serving --out reports/speed/stance-serving.json

- "onnx-int8" (served): activations quantised per call, so one pair per call;
- "onnx-int8-static": the same int8 graph with activation ranges fixed at
  build time (stance/export.py freeze_runtime), in length-bucketed batches.

Parts, each measured for both runtimes in turns in the same minutes:
- pairs: pairs/s at 128 tokens on the held-out Climate-FEVER and FEVER
  (evidence, claim) pairs `python -m lab.stance.evaluate` times, as served
  (one per call for the dynamic graph, `length_batches` for the static one),
  and the static graph one pair per call too; best of `rounds` turns;
- verify: `recoupe serve` started with each runtime, POST /v1/verify at 1 and
  16 clients (bench/latency.py), rate limits and the stance cache off, as
  `recoupe bench speed` runs it.

- accuracy: every held-out set of `python -m lab.stance.evaluate`, each
  cut to its first `per_set` pairs in hash order (`--per-set`), read by both
  runtimes on the same committed weights: accuracy per set, pooled, and how
  often the two agree.

The CPU (model name, VNNI, AMX) and the load average before and after are
written beside the figures: on a busy machine only the ratios mean much.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from pathlib import Path

OLD, NEW = "onnx-int8", "onnx-int8-static"


def cpu() -> dict:
    from lab.bench.segment import cpu_name
    from lab.bench.speed import cpu_flags

    flags = cpu_flags()
    return {"model_name": cpu_name(), "cpu_count": os.cpu_count(), "avx512_vnni": "avx512_vnni" in flags,
            "avx_vnni": "avx_vnni" in flags, "amx": sorted(f for f in flags if f.startswith("amx"))}


def pairs_per_s(models_dir: Path, data_dir: Path, threads: int = 2, rounds: int = 3, count: int = 512,
                log=print) -> dict:
    import numpy as np

    from lab.stance.data import load_sources
    from lab.stance.evaluate import speed, speed_pairs
    from service.stance.model import StanceModel

    pairs, _ = speed_pairs(load_sources(data_dir), count)
    old = StanceModel(models_dir, OLD, threads, max_length=128)
    new = StanceModel(models_dir, NEW, threads, max_length=128)
    runs = {f"{OLD}, one pair per call (as served before)": (old, 1),
            f"{NEW}, length-bucketed batches of {new.batch_size} (as served now)": (new, new.batch_size),
            f"{NEW}, one pair per call": (new, 1)}
    best: dict = {}
    for r in range(rounds):
        for name, (model, batch) in runs.items():
            best[name] = max(best.get(name, 0.0), speed(model, pairs, batch_size=batch))
        log(f"pairs/s, round {r + 1}: {best}")
    tokens = [len(e.ids) for e in new._tok.encode_batch(pairs)]
    # The same pairs' probabilities as served (batched) against one pair per call, for both graphs.
    probe = pairs[:: max(1, len(pairs) // 96)][:96]
    differs = {}
    for name, model in ((OLD, old), (NEW, new)):
        alone = np.vstack([model.predict([p]) for p in probe])
        differs[name] = round(float(np.abs(model.predict(probe, batch_size=32) - alone).max()), 6)
    return {"max_abs_probability_difference_batched_vs_alone": differs, "pairs_compared": len(probe),
            "pairs_per_s": best, "threads": threads, "max_length": 128, "rounds": rounds,
            "pairs": f"{len(pairs)} held-out Climate-FEVER and FEVER (evidence, claim) pairs, "
                     f"mean {sum(tokens) / len(tokens):.0f} tokens, longest {max(tokens)}",
            "ratio_new_batched_over_old": round(best[list(runs)[1]] / best[list(runs)[0]], 3)}


def accuracy(models_dir: Path, data_dir: Path, per_set: int = 200, threads: int = 2, log=print) -> dict:
    import numpy as np

    from lab.stance.evaluate import _subset, heldout_sets, predict
    from service.stance.model import StanceModel

    sets = {name: _subset(pairs, per_set) for name, pairs in heldout_sets(data_dir, per_set).items()}
    models = {r: StanceModel(models_dir, r, threads) for r in (OLD, NEW)}
    out: dict = {"per_set": per_set, "sets": {}}
    right = {r: 0 for r in models}
    agree = total = 0
    for name, pairs in sets.items():
        gold = np.array([p.label for p in pairs])
        pred = {r: predict(m, pairs).argmax(1) for r, m in models.items()}
        out["sets"][name] = {"pairs": len(pairs), **{r: round(float((pred[r] == gold).mean()), 4) for r in models},
                             "agreement": round(float((pred[OLD] == pred[NEW]).mean()), 4)}
        for r in models:
            right[r] += int((pred[r] == gold).sum())
        agree += int((pred[OLD] == pred[NEW]).sum())
        total += len(pairs)
        log(f"{name}: {out['sets'][name]}")
    out["pooled"] = {"pairs": total, **{r: round(right[r] / total, 4) for r in models},
                     "agreement": round(agree / total, 4),
                     "new_minus_old_points": round(100 * (right[NEW] - right[OLD]) / total, 2)}
    out["mean_over_sets"] = {r: round(float(np.mean([v[r] for v in out["sets"].values()])), 4) for r in models}
    out["models"] = {r: m.name for r, m in models.items()}
    return out


def verify_throughput(config, clients=(1, 16), requests: int = 60, threads: int | None = None, log=print) -> dict:
    from lab.bench import latency
    from service.cli.serve_cmd import DEFAULT_THREADS

    threads = threads or DEFAULT_THREADS
    claims = latency.load_claims(None, log)
    out = {}
    for runtime in (OLD, NEW):
        cfg = replace(config, stance_runtime=runtime, stance_cache_pairs=0)
        with latency.served(cfg, threads, log) as server:
            out[runtime] = latency.measure(server.url, claims, clients, requests, 10, latency.DEFAULT_WARMUP,
                                           server={"started": True, "workers": 1, "threads": threads}, log=log)
            server.check_running()
        log(latency.table(out[runtime]))
    levels = {r: {lv["clients"]: lv for lv in res["levels"]} for r, res in out.items()}
    out["ratios"] = {f"{n}_clients": {"throughput": round(levels[NEW][n]["throughput_rps"]
                                                          / levels[OLD][n]["throughput_rps"], 3),
                                      "p50": round(levels[NEW][n]["latency_ms"]["p50"]
                                                   / levels[OLD][n]["latency_ms"]["p50"], 3)}
                     for n in clients}
    return out


def run(config, data_dir=None, parts=("pairs", "verify"), clients=(1, 16), requests: int = 60, rounds: int = 3,
        per_set: int = 200, pairs: int = 512, log=print) -> dict:
    from lab.stance.data import resolve_data_dir

    out = {"cpu": cpu(), "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "load_average_at_start": os.getloadavg(), "runtimes": {"old": OLD, "new": NEW}}
    log(f"{out['cpu']}; load average {out['load_average_at_start'][0]:.1f}")
    if "pairs" in parts:
        out["pairs"] = pairs_per_s(config.models_dir, resolve_data_dir(data_dir), rounds=rounds, count=pairs, log=log)
    if "accuracy" in parts:
        out["accuracy"] = accuracy(config.models_dir, resolve_data_dir(data_dir), per_set, log=log)
        log(json.dumps(out["accuracy"]["pooled"]))
    if "verify" in parts:
        out["verify"] = verify_throughput(config, clients, requests, log=log)
        log(json.dumps(out["verify"]["ratios"]))
    out["load_average_at_end"] = os.getloadavg()
    return out


def main(argv: list[str] | None = None) -> int:
    import argparse

    from service.config import load_config

    ap = argparse.ArgumentParser(prog="python -m lab.bench.stance_serving", description=__doc__.split("\n")[0])
    ap.add_argument("--parts", default="pairs,verify")
    ap.add_argument("--clients", default="1,16")
    ap.add_argument("--requests", type=int, default=60, help="requests per /v1/verify level (default 60)")
    ap.add_argument("--rounds", type=int, default=3, help="turns of the pairs/s part; the best is kept")
    ap.add_argument("--pairs", type=int, default=512, help="pairs timed in the pairs/s part (half Climate-FEVER)")
    ap.add_argument("--per-set", type=int, default=200, help="held-out pairs per set in the accuracy part")
    ap.add_argument("--data", help="training data folder (its held-out Climate-FEVER and FEVER pairs are timed)")
    ap.add_argument("--out", help="write the figures as JSON here")
    args = ap.parse_args(argv)
    result = run(load_config(), args.data, tuple(p.strip() for p in args.parts.split(",") if p.strip()),
                 tuple(int(c) for c in args.clients.split(",")), args.requests, args.rounds, args.per_set, args.pairs)
    text = json.dumps(result, indent=2)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
