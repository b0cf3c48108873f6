"""The stance evaluator: every figure of the stance model on labelled (evidence, claim) pairs.

Two callers read the same scores:

- `recoupe models eval-stance` (or `python -m lab.stance.evaluate`): the held-out
  table. Every set here is held out from training (see data.py for how each split
  is fixed): SNLI test (all 9,824 pairs unless `limit` is given), XNLI-fr (990
  French pairs; 990 English; 1,980 cross-lingual: French claim vs English
  evidence and the reverse), RTE3-FR (300), FEVER, Climate-FEVER and COVID-Fact
  held-out parts, SciFact dev, and the hand-written probe (probe.py;
  contradiction recall is its target). Speed is measured on realistic pairs
  (held-out Climate-FEVER claims against Wikipedia sentences, FEVER claims
  against their evidence) with the given threads. With the int8 runtime, the
  fp32 reference is also run on the French sets and a fixed 1,000-pair SNLI
  subset to report what quantisation costs. Writes models/stance/metrics.json.
- `recoupe eval DATASET` (lab/evaluate/runner.py) through `evaluate_pairs`: the
  same probabilities read two ways, "argmax" (the most probable class) and
  "service" (a fixed 0.5 rule, kept so that stance figures stay comparable over
  time: refutes when P(contradiction) >= 0.5 and at least P(entailment),
  supports when P(entailment) >= 0.5, else neutral; the service itself now
  weighs passages with the verdict model, see service/verdict/assess.py), with
  threshold curves: precision and recall of "P(class) >= t" for entailment and
  contradiction, t from 0.05 to 0.95.

Each set's scores are lab/evaluate/metrics.py's `classification_scores`:
accuracy, per-class precision / recall / F1, macro-F1 and the confusion matrix
(rows: gold, columns: predicted, in the order entailment, neutral,
contradiction).
"""

from __future__ import annotations

import json
import math
import os
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from lab.evaluate.metrics import classification_scores, threshold_curve
from lab.stance.data import Pair, h, load_sources, resolve_data_dir
from lab.stance.probe import PROBE
from service.config import REPO_ROOT
from service.stance import LABELS

THRESHOLDS = [round(0.05 * i, 2) for i in range(1, 20)]
ENTAILMENT, CONTRADICTION = LABELS.index("entailment"), LABELS.index("contradiction")


# ---------------------------------------------------------------- scores of one set

def scores(gold: list[int], pred: list[int]) -> dict:
    """Accuracy, macro-F1, per-class figures and confusion of label ids, to 4 places (as metrics.json keeps
    them; a figure with no pair to count is None)."""
    return _rounded(classification_scores([LABELS[g] for g in gold], [LABELS[int(p)] for p in pred], LABELS))


def _rounded(value):
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 4)
    return value


def service_rule(p) -> int:
    """The fixed 0.5 reading of one pair's probabilities (see the module's docstring)."""
    sup, ref = float(p[ENTAILMENT]), float(p[CONTRADICTION])
    if ref >= 0.5 and ref >= sup:
        return CONTRADICTION
    return ENTAILMENT if sup >= 0.5 else LABELS.index("neutral")


def curves(gold: list[int], probs: np.ndarray) -> dict:
    probs = np.asarray(probs)
    if not len(gold):
        return {}
    return {LABELS[k]: threshold_curve(probs[:, k].tolist(), [g == k for g in gold], THRESHOLDS)
            for k in (ENTAILMENT, CONTRADICTION)}


def score_pairs(gold: list[int], probs: np.ndarray, groups: list[str] | None = None) -> dict:
    """gold: label ids; probs: (n, 3); groups: e.g. a language per pair, scored apart when there are several."""
    probs = np.asarray(probs).reshape(len(gold), len(LABELS))
    out = {"argmax": scores(gold, probs.argmax(1)), "service": scores(gold, [service_rule(p) for p in probs]),
           "curves": curves(gold, probs)}
    if groups is not None and len(set(groups)) > 1:
        by = defaultdict(list)
        for i, g in enumerate(groups):
            by[g].append(i)
        out["by_language"] = {g: score_pairs([gold[i] for i in idx], probs[idx]) for g, idx in sorted(by.items())}
    return out


def predict(model, pairs: list[Pair]) -> np.ndarray:
    """The model's (n, 3) probabilities of (premise, hypothesis) pairs."""
    return model.predict([(p.premise, p.hypothesis) for p in pairs])


def evaluate_pairs(pairs: list[Pair], model, log=print, name: str = "pairs") -> dict:
    """`recoupe eval`'s stance block: score_pairs of the model's probabilities, by language where there are several."""
    log(f"stance: {len(pairs)} {name} through {model.name}")
    return score_pairs([p.label for p in pairs], predict(model, pairs), [p.lang for p in pairs])


# ---------------------------------------------------------------- the held-out table

# Fixed hash-ordered subsets keep the run under ~15 minutes on 2 cores;
# targets are read on the sets named in models/README.md.
SUBSET = {"lingnli_val": 2000, "cad_snli_test": 2000, "anli_test": 1500, "sick_cross": 2000}
# Sets where every pair is a same-topic neutral: the figure to watch is how
# often the model says "refutes" there.
NEUTRAL_SETS = ("fm2_neutral", "wice_neutral")
TWO_WAY_SETS = ("fever_symmetric_test", "fm2_gold")
LENGTH_BUCKETS = (32, 64, 128, 256)  # premise tokens: <=32, 33-64, 65-128, 129-256, >256


def _subset(pairs: list[Pair], n: int | None) -> list[Pair]:
    return sorted(pairs, key=lambda p: h(p.premise + "\t" + p.hypothesis))[:n] if n else pairs


def heldout_sets(data_dir: Path, limit: int | None = None) -> dict[str, list[Pair]]:
    src = load_sources(Path(data_dir))
    x = src["xnli"]["heldout"]
    sick = src["sick_fr"]["heldout"]
    return {
        "snli_test": _subset(src["snli"]["test"], limit),
        "xnli_fr": [p for p in x if p.lang == "fr-fr"],
        "xnli_en": [p for p in x if p.lang == "en-en"],
        "xnli_cross": [p for p in x if p.lang in ("en-fr", "fr-en")],
        "xnli_en_fr": [p for p in x if p.lang == "en-fr"],
        "rte3_fr": src["rte3"]["heldout"],
        "sick_fr_test": [p for p in sick if p.lang == "fr-fr"],
        "sick_cross": _subset([p for p in sick if p.lang == "en-fr"], SUBSET["sick_cross"]),
        "fracas_fr": src["fracas_fr"]["heldout"],
        "fever_fr": src["fever_fr"]["heldout"],
        "fever": src["fever"]["heldout"],
        "fever_symmetric_test": src["fever_symmetric"]["heldout"],
        "climate_fever": src["climate_fever"]["heldout"],
        "covidfact": src["covidfact"]["heldout"],
        "scifact_dev": src["scifact"]["heldout"],
        "healthver": src["healthver"]["heldout"],
        "fm2_gold": src["fm2"]["heldout"],
        "fm2_neutral": src["fm2"]["heldout_neutral"],
        "wice_neutral": src["wice"]["heldout_neutral"],
        "fnc1": src["fnc1"]["heldout"],
        "lingnli_val": _subset(src["lingnli"]["heldout"], SUBSET["lingnli_val"]),
        "taxinli": src["taxinli"]["heldout"],
        "anli_test": _subset(src["anli"]["heldout"], SUBSET["anli_test"]),
        "cad_snli_test": _subset(src["cad_snli"]["heldout"], SUBSET["cad_snli_test"]),
    }


def premise_tokens(model, pairs: list[Pair]) -> list[int]:
    """Premise lengths in the model's tokens, uncut (the model's own tokenizer truncates)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(model._tok.to_str())
    tok.no_truncation()
    return [len(e.ids) for e in tok.encode_batch([p.premise for p in pairs], add_special_tokens=False)]


def length_buckets(lengths: list[int]) -> dict[str, list[int]]:
    """The positions of `lengths` in each bucket of LENGTH_BUCKETS, by the bucket's name ("33-64", ">256")."""
    edges = (0,) + LENGTH_BUCKETS + (math.inf,)
    return {f"{lo + 1}-{hi}" if hi < math.inf else f">{lo}": [i for i, n in enumerate(lengths) if lo < n <= hi]
            for lo, hi in zip(edges[:-1], edges[1:])}


def by_premise_length(model, pairs: list[Pair], pred) -> dict:
    """Accuracy by premise length in tokens (the model's tokenizer), over the given pairs."""
    return {name: {"n": len(idx), "accuracy": round(float(np.mean([pred[i] == pairs[i].label for i in idx])), 4)}
            for name, idx in length_buckets(premise_tokens(model, pairs)).items() if idx}


def length_report(models_dirs: list[Path], data_dir: Path, runtime: str = "onnx-int8", threads: int = 2,
                  per_bucket: int = 800, log=print) -> dict:
    """Accuracy by premise length for several models, each cut at 128 and at 256 tokens, on the same
    pairs: the held-out sets but SNLI, pooled, at most `per_bucket` pairs of each length bucket (a
    fixed hash order). What the serving length buys, and what it costs, is read from this."""
    from service.stance.model import StanceModel

    sets = heldout_sets(Path(data_dir))
    pooled = [p for name, pairs in sets.items() if name != "snli_test" for p in pairs]
    first = StanceModel(Path(models_dirs[0]), runtime, threads)
    buckets = {name: _subset([pooled[i] for i in idx], per_bucket)
               for name, idx in length_buckets(premise_tokens(first, pooled)).items()}
    out: dict = {"pairs_per_bucket": {k: len(v) for k, v in buckets.items()}}
    for d in models_dirs:
        for n in (128, 256):
            model = StanceModel(Path(d), runtime, threads, max_length=n)
            row = {}
            for name, pairs in buckets.items():
                if pairs:
                    pred = predict(model, pairs).argmax(1)
                    row[name] = round(float(np.mean([y == p.label for y, p in zip(pred, pairs)])), 4)
            out[f"{d} @ {n}"] = row
            log(f"{d} cut at {n}: {row}")
    return out


def probe_scores(model) -> dict:
    probs = model.predict([(p, q) for p, q, *_ in PROBE])
    pred = probs.argmax(1)
    gold = [y for _, _, y, _, _ in PROBE]
    out = scores(gold, pred.tolist())
    con = [i for i, item in enumerate(PROBE) if item[2] == 2]
    out["contradiction_recall"] = round(float(np.mean([pred[i] == 2 for i in con])), 4)
    by_kind, by_lang = {}, {}
    for i in con:
        _, _, _, lang, kind = PROBE[i]
        by_kind.setdefault(kind, []).append(pred[i] == 2)
        by_lang.setdefault(lang, []).append(pred[i] == 2)
    out["contradiction_recall_by_kind"] = {k: round(float(np.mean(v)), 3) for k, v in sorted(by_kind.items())}
    out["contradiction_recall_by_lang"] = {k: round(float(np.mean(v)), 3) for k, v in sorted(by_lang.items())}
    out["missed"] = [{"premise": PROBE[i][0], "hypothesis": PROBE[i][1], "predicted": LABELS[pred[i]]}
                     for i in range(len(PROBE)) if pred[i] != PROBE[i][2]]
    return out


def speed_pairs(sources: dict, count: int = 512) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The pairs speed is timed on: `count` realistic held-out (evidence, claim) pairs (half Climate-FEVER
    claims against Wikipedia sentences, half FEVER claims against their evidence), and the Climate-FEVER
    half with as many held-out HealthVer pairs, whose passages run to 100-250 tokens (what the serving
    length costs)."""
    half = count // 2
    short = [(p.premise, p.hypothesis)
             for p in sources["climate_fever"]["heldout"][:half] + sources["fever"]["heldout"][:count - half]]
    return short, short[:half] + [(p.premise, p.hypothesis) for p in sources["healthver"]["heldout"][:half]]


def speed(model, pairs: list[tuple[str, str]], batch_size: int = 32) -> float:
    model.predict(pairs[:batch_size], batch_size=batch_size)  # warm-up
    t = time.perf_counter()
    model.predict(pairs, batch_size=batch_size)
    return round(len(pairs) / (time.perf_counter() - t), 1)


def evaluate(models_dir: str | os.PathLike | None = None, data_dir: str | os.PathLike | None = None,
             runtime: str = "onnx-int8", threads: int = 2, limit: int | None = None,
             compare_fp32: bool = True, sets: list[str] | None = None, write: bool = True, log=print) -> dict:
    """Run every held-out set through the model; `limit` caps SNLI test (a fixed hash-ordered subset)."""
    from service.stance.model import StanceModel

    models_dir = Path(models_dir or REPO_ROOT / "models")
    data_dir = resolve_data_dir(data_dir)
    model = StanceModel.load(models_dir, runtime=runtime, threads=threads)
    meta = json.loads((models_dir / "stance" / "recoupe_stance.json").read_text())
    results: dict = {
        "model": model.name, "runtime": runtime, "threads": threads,
        "artefact_step": meta.get("step"), "artefact_total_steps": meta.get("total_steps"),
        "final": meta.get("final"), "evaluated_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "snli_test_subset": limit, "sets": {},
    }
    all_sets = heldout_sets(data_dir, limit)
    preds = {}
    for name, pairs in all_sets.items():
        if sets and name not in sets:
            continue
        t = time.time()
        probs = predict(model, pairs)
        preds[name] = probs.argmax(1)
        results["sets"][name] = scores([p.label for p in pairs], preds[name].tolist())
        if name in NEUTRAL_SETS:
            results["sets"][name]["refutes_rate"] = round(float((preds[name] == 2).mean()), 4)
        if name in TWO_WAY_SETS:  # supports vs refutes only: the larger of the two columns decides
            two = np.where(probs[:, 0] >= probs[:, 2], 0, 2)
            results["sets"][name]["two_way_accuracy"] = round(float((two == np.array([p.label for p in pairs])).mean()), 4)
        log(f"{name}: accuracy {results['sets'][name]['accuracy']} on {len(pairs)} pairs ({time.time() - t:.0f}s)")
    pooled = [(p, preds[name][i]) for name, pairs in all_sets.items() if name in preds and name != "snli_test"
              for i, p in enumerate(pairs)]
    results["by_premise_length"] = by_premise_length(model, [p for p, _ in pooled], [y for _, y in pooled])
    results["by_premise_length_note"] = (f"all held-out sets above but SNLI, pooled; premise tokens; serving length "
                                         f"{model.max_length}")
    results["probe"] = probe_scores(model)
    log(f"probe: contradiction recall {results['probe']['contradiction_recall']}, "
        f"accuracy {results['probe']['accuracy']} on {len(PROBE)} pairs")

    realistic, mixed = speed_pairs(load_sources(data_dir))
    results["pairs_per_s"] = speed(model, realistic)
    results["pairs_per_s_on"] = f"{len(realistic)} held-out Climate-FEVER and FEVER (evidence, claim) pairs, batch 32"
    log(f"speed: {results['pairs_per_s']} pairs/s ({runtime}, {threads} threads, max length {model.max_length})")
    # What the serving length costs: the same pairs plus long HealthVer passages, cut at 128 and at 256.
    results["pairs_per_s_by_max_length"] = {
        str(n): speed(StanceModel(models_dir, runtime, threads, max_length=n), mixed) for n in (128, 256)}
    results["pairs_per_s_by_max_length_on"] = (f"{len(mixed)} pairs: 256 of the above and 256 held-out HealthVer "
                                               "(evidence passages of 100-250 tokens)")
    log(f"speed by max length: {results['pairs_per_s_by_max_length']}")

    if compare_fp32 and runtime != "torch-fp32":
        ref = StanceModel.load(models_dir, runtime="torch-fp32", threads=threads)
        cmp_sets = {"xnli_fr": all_sets["xnli_fr"], "rte3_fr": all_sets["rte3_fr"],
                    "snli_test_1000": _subset(all_sets["snli_test"], 1000)}
        comparison = {}
        for name, pairs in cmp_sets.items():
            gold = np.array([p.label for p in pairs])
            ref_pred = predict(ref, pairs).argmax(1)
            fast_pred = preds.get(name)
            if fast_pred is None:
                fast_pred = predict(model, pairs).argmax(1)
            comparison[name] = {"fp32": round(float((ref_pred == gold).mean()), 4),
                                runtime: round(float((fast_pred == gold).mean()), 4),
                                "agreement": round(float((ref_pred == fast_pred).mean()), 4)}
        comparison["fp32_pairs_per_s"] = speed(ref, realistic)
        results["fp32_vs_" + runtime] = comparison
        log(f"fp32 vs {runtime}: {comparison}")

    if write:
        path = models_dir / "stance" / "metrics.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        os.replace(tmp, path)
        log(f"metrics written to {path}")
    return results


def speed_side_by_side(models_dirs: list[Path], data_dir: Path, runtime: str = "onnx-int8", threads: int = 2,
                       rounds: int = 3, log=print) -> dict:
    """Pairs/s of several models at serving lengths 128 and 256, measured in turns in one process
    (old and new on the same machine in the same minutes); the best of `rounds` turns is kept."""
    from service.stance.model import StanceModel

    pairs, long = speed_pairs(load_sources(Path(data_dir)))
    models = {(str(d), n): StanceModel(Path(d), runtime, threads, max_length=n) for d in models_dirs for n in (128, 256)}
    best: dict = {}
    for _ in range(rounds):
        for (d, n), model in models.items():
            for name, batch in (("short", pairs), ("with_long", long)):
                v = speed(model, batch)
                best[(d, n, name)] = max(best.get((d, n, name), 0), v)
    out = {d: {f"max_length_{n}": {name: best[(d, n, name)] for name in ("short", "with_long")} for n in (128, 256)}
           for d in map(str, models_dirs)}
    out["pairs"] = {"short": f"{len(pairs)} held-out Climate-FEVER and FEVER pairs",
                    "with_long": "256 of those and 256 held-out HealthVer pairs (premises of 100-250 tokens)"}
    log(json.dumps(out, indent=2))
    return out


def _figure(metrics: dict, key: str):
    """One figure of a metrics.json: "<set>" (accuracy), "<set>.<field>", or "probe.<field>"."""
    head, _, field = key.partition(".")
    if head == "probe":
        return metrics.get("probe", {}).get(field)
    return metrics.get("sets", {}).get(head, {}).get(field or "accuracy")


# The rows of the held-out table, with the target where it set one.
TABLE = [
    ("XNLI-fr", "xnli_fr", ">= 0.72"), ("cross-lingual, English premise / French claim", "xnli_en_fr", ">= 0.70"),
    ("cross-lingual, both directions", "xnli_cross", ""), ("XNLI-en", "xnli_en", ""),
    ("SICK-fr TEST", "sick_fr_test", ">= 0.80"), ("SICK cross-lingual (en-fr, 2,000)", "sick_cross", ""),
    ("RTE3-FR", "rte3_fr", ">= 0.68"), ("FraCaS-fr", "fracas_fr", ""), ("FEVER-fr", "fever_fr", ""),
    ("FEVER-Symmetric test, supports vs refutes", "fever_symmetric_test.two_way_accuracy", ">= 0.80"),
    ("FM2 same-page neutrals: share read as refutes", "fm2_neutral.refutes_rate", "<= 0.08"),
    ("WiCE same-article neutrals: share read as refutes", "wice_neutral.refutes_rate", "<= 0.08"),
    ("HealthVer, 3-way (long premises)", "healthver", ">= 0.60"),
    ("FM2 gold, supports vs refutes", "fm2_gold.two_way_accuracy", ""), ("FNC-1", "fnc1", ""),
    ("SNLI test", "snli_test", ">= 0.82"), ("LingNLI val (2,000)", "lingnli_val", ""), ("TaxiNLI", "taxinli", ""),
    ("ANLI test (1,500)", "anli_test", ""), ("CAD-SNLI test (2,000)", "cad_snli_test", ""),
    ("FEVER", "fever", ""), ("Climate-FEVER", "climate_fever", ""), ("COVID-Fact", "covidfact", ""),
    ("SciFact dev", "scifact_dev", ""), ("probe contradiction recall", "probe.contradiction_recall", ">= 0.90"),
]


def compare_table(old: dict, new: dict, old_name: str = "shipped", new_name: str = "candidate") -> str:
    """A Markdown table of two metrics.json side by side (the model card's held-out table)."""
    fmt = lambda v: "n/a" if v is None else f"{v:.3f}"  # noqa: E731
    rows = [f"| set | {old_name} | {new_name} | target |", "|---|---|---|---|"]
    for label, key, target in TABLE:
        rows.append(f"| {label} | {fmt(_figure(old, key))} | {fmt(_figure(new, key))} | {target} |")
    for name, m in ((old_name, old), (new_name, new)):
        speeds = m.get("pairs_per_s_by_max_length", {})
        if speeds:
            rows.append(f"| speed, {name} (pairs/s, int8, max length 128 / 256) | "
                        + " / ".join(str(speeds.get(k)) for k in ("128", "256")) + " | | >= 50 at 128 |")
    return "\n".join(rows)


def _targeted(old: dict, new: dict) -> list[tuple[str, float, float, bool]]:
    """(row, old, new, new is better) for every row of TABLE with a target, where both have the figure."""
    out = []
    for label, key, target in TABLE:
        a, b = _figure(old, key), _figure(new, key)
        if target and a is not None and b is not None:
            lower_is_better = target.startswith("<=")
            out.append((label, a, b, b < a if lower_is_better else b > a))
    return out


def beats(old: dict, new: dict, max_drop: float = 0.01) -> tuple[bool, str]:
    """Whether a candidate may replace the shipped model: better on at least two thirds of the targeted
    rows, and no targeted row worse by more than `max_drop` (one point)."""
    rows = _targeted(old, new)
    if not rows:
        return False, "no targeted figure in common"
    better = sum(r[3] for r in rows)
    # metrics.json keeps 4 decimals: compare at that precision, so that exactly one point (3 pairs of
    # 300: 0.6667 -> 0.6567) is not read as more than one through float error.
    drops = [r for r in rows if not r[3] and round(abs(r[2] - r[1]), 4) > max_drop]
    ok = better * 3 >= 2 * len(rows) and not drops
    why = f"better on {better} of {len(rows)} targeted rows"
    if drops:
        why += "; worse by more than a point on " + ", ".join(r[0] for r in drops)
    return ok, why


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m lab.stance.evaluate", description="held-out stance metrics")
    ap.add_argument("--models", default=None)
    ap.add_argument("--data", default=None)
    ap.add_argument("--runtime", default="onnx-int8")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit", type=int, default=None, help="SNLI test subset size (default: all 9,824)")
    ap.add_argument("--no-compare", action="store_true", help="skip the fp32 reference comparison")
    ap.add_argument("--lengths-against", nargs="*", metavar="MODELS_DIR",
                    help="only measure accuracy by premise length at 128 and 256 tokens, beside these models")
    ap.add_argument("--speed-against", nargs="*", metavar="MODELS_DIR",
                    help="only measure speed, side by side with these other models folders")
    args = ap.parse_args(argv)
    if args.lengths_against is not None:
        dirs = [Path(args.models or REPO_ROOT / "models")] + [Path(d) for d in args.lengths_against]
        print(json.dumps(length_report(dirs, resolve_data_dir(args.data), args.runtime, args.threads), indent=2))
        return 0
    if args.speed_against is not None:
        dirs = [Path(args.models or REPO_ROOT / "models")] + [Path(d) for d in args.speed_against]
        speed_side_by_side(dirs, resolve_data_dir(args.data), args.runtime, args.threads)
        return 0
    evaluate(args.models, args.data, args.runtime, args.threads, args.limit, not args.no_compare)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
