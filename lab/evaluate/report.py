"""Writing one evaluation's results: `results.json` for machines, `report.md` for people."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

RETRIEVAL_COLUMNS = ("recall@1", "recall@5", "recall@10", "recall@100", "ndcg@10", "mrr@10")


def clean(obj):
    """JSON-safe: NaN and infinities become null, numpy scalars plain numbers, floats rounded to 4 places."""
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        obj = obj.item()
    if isinstance(obj, float):
        return None if not math.isfinite(obj) else round(obj, 4)
    return obj


def write_json(results: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(clean(results), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def _f(v, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _params(p: dict) -> str:
    parts = []
    for k, v in p.items():
        if k in ("tuned_on", "grid"):
            continue
        if isinstance(v, dict):
            v = ", ".join(f"{a} {_f(b, 2)}" for a, b in v.items())
            parts.append(f"{k}: {v}")
        else:
            parts.append(f"{k}: {v}")
    return "; ".join(parts)


def retrieval_table(block: dict, params: dict | None = None, families: dict | None = None) -> list[str]:
    lines = ["| retriever | " + " | ".join(RETRIEVAL_COLUMNS) + " | parameters |",
             "|---" * (len(RETRIEVAL_COLUMNS) + 2) + "|"]
    for name, m in block.items():
        lines.append(f"| {name} | " + " | ".join(_f(m.get(c)) for c in RETRIEVAL_COLUMNS)
                     + f" | {_params((params or {}).get(name, {}))} |")
    return lines


def classification_table(rows: dict[str, dict], labels: list[str]) -> list[str]:
    lines = ["| set | n | accuracy | macro-F1 | " + " | ".join(f"F1 {l}" for l in labels) + " |",
             "|---" * (4 + len(labels)) + "|"]
    for name, s in rows.items():
        lines.append(f"| {name} | {s['n']} | {_f(s['accuracy'])} | {_f(s['macro_f1'])} | "
                     + " | ".join(_f(s["per_class"][l]["f1"]) for l in labels) + " |")
    return lines


def confusion_table(s: dict) -> list[str]:
    labels = s["labels"]
    lines = ["| gold \\ predicted | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    for label, row in zip(labels, s["confusion"]):
        lines.append(f"| {label} | " + " | ".join(str(v) for v in row) + " |")
    return lines


def markdown(results: dict) -> str:
    r = results
    out = [f"# Evaluation: {r['dataset']}", ""]
    if r.get("subset"):
        out += [f"> **Development subset** ({_params(r['subset'])}): these figures are NOT comparable with "
                "published results or with a full run.", ""]
    out += [f"- {k}: {v}" for k, v in r.get("settings", {}).items()] + [""]
    ret = r.get("retrieval", {})
    for key, title in (("document_beir", "Document retrieval (BEIR relevance: evidence + cited abstracts)"),
                       ("document_evidence", "Document retrieval (evidence abstracts only)"),
                       ("sentence", "Sentence retrieval (evidence sentences)"),
                       ("sentence_annotated", "Sentence retrieval (every annotated sentence, NEI included)")):
        block = ret.get(key)
        if not block:
            continue
        first = next(iter(block["scores"].values()), {})
        out += [f"## {title}", "",
                f"{first.get('queries', 0)} claims, {first.get('relevant_pairs', 0)} relevant pairs.", ""]
        out += retrieval_table(block["scores"], block.get("params")) + [""]
    if ret.get("tuning"):
        out += ["### Fusion tuning", ""]
        for kind, t in ret["tuning"].items():
            out.append(f"- {kind}: {_params(t)} — {t.get('tuned_on')}, {t.get('grid')}")
        out.append("")
    if ret.get("target"):
        out += [f"Target: {ret['target']}", ""]
    stance = r.get("stance")
    if stance:
        out += ["## Stance", ""]
        if stance.get("note"):
            out += [stance["note"], ""]
        if "argmax" in stance:
            labels = stance["argmax"]["labels"]
            rows = {"all (argmax)": stance["argmax"], "all (service rule)": stance["service"]}
            for lang, s in stance.get("by_language", {}).items():
                rows[f"{lang} (argmax)"] = s["argmax"]
                rows[f"{lang} (service rule)"] = s["service"]
            out += classification_table(rows, labels) + ["", "Confusion matrix (argmax, all pairs):", ""]
            out += confusion_table(stance["argmax"]) + [""]
    verdict = r.get("verdict")
    if verdict:
        out += ["## Claim-level verdicts", ""]
        if verdict.get("note"):
            out += [verdict["note"], ""]
        if "scores" in verdict:
            labels = verdict["scores"]["labels"]
            rows = {"all": verdict["scores"]}
            for lang, s in verdict.get("by_language", {}).items():
                rows[lang] = s["scores"]
            out += classification_table(rows, labels) + [""]
            out += confusion_table(verdict["scores"]) + [""]
            if verdict.get("mapping"):
                out += ["Mapping: " + ", ".join(f"{a} → {b}" for a, b in verdict["mapping"].items()), ""]
            if verdict.get("verdicts"):
                out += ["Verdicts given: " + ", ".join(f"{a} {b}" for a, b in verdict["verdicts"].items()), ""]
            if "accuracy_if_conflicting_were_contradict" in verdict:
                out += [f"Accuracy had conflicting counted as CONTRADICT: "
                        f"{_f(verdict['accuracy_if_conflicting_were_contradict'])}", ""]
            if verdict.get("source"):
                src = verdict["source"]
                out += [f"Expected source cited by deciding evidence: {_f(src['expected_source_cited'])}; "
                        f"among all returned evidence: {_f(src['expected_source_in_evidence'])} "
                        f"({src['claims_with_expected_sources']} claims with expected sources)", ""]
                for lang, s in verdict.get("by_language", {}).items():
                    out.append(f"- {lang}: cited {_f(s['source']['expected_source_cited'])}, "
                               f"in evidence {_f(s['source']['expected_source_in_evidence'])}")
                out.append("")
    if r.get("plots"):
        out += ["## Plots", ""] + [f"![{Path(p).stem}]({p})" for p in r["plots"]] + [""]
    if r.get("notes"):
        out += ["## Notes", ""] + [f"- {n}" for n in r["notes"]] + [""]
    if r.get("timings_s"):
        out += ["Timings (s): " + ", ".join(f"{k} {_f(v, 1)}" for k, v in r["timings_s"].items()), ""]
    return "\n".join(out)


def write_markdown(results: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown(clean(results)), encoding="utf-8")
    return path
