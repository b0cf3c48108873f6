"""The learning curve of a stance run: `python -m lab.stance.curve RUN_DIR`.

Reads the run's `train_log.jsonl` (the validation events the trainer writes
every `val_every` steps) and draws held-out accuracy against the pairs the
run has trained on (steps x batch size), one line per held-out slice, into
RUN_DIR/learning_curve.png; prints the same figures as a Markdown table.

The slices are those of `data.validation_pairs` and `data.curve_pairs`:
subsets of held-out parts, never trained on, scored by the training process
in fp32 (the shipped int8 runtime differs by a few tenths of a point). The
question the plot answers is whether more CPU hours still pay: a curve still
rising at its right end says yes.

`--start STANCE_DIR` first scores the artefact a warm-started run began from
on the same slices and logs it as the run's step 0.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

# Slice key in the log -> label on the plot; the order of the legend.
SLICES = {
    "val_xnli_fr": "XNLI-fr",
    "val_xnli_cross": "XNLI cross-lingual",
    "val_sick_fr": "SICK-fr TEST",
    "val_rte3": "RTE3-FR",
    "val_fever_symmetric": "FEVER-Symmetric",
    "val_healthver": "HealthVer",
    "val_snli": "SNLI",
    "val_topic_neutral": "same-topic neutrals",
}


def read_points(run_dir: Path) -> tuple[list[dict], int]:
    """The validation events in step order (the last one wins for a repeated step) and the batch size."""
    log = Path(run_dir) / "train_log.jsonl"
    if not log.is_file():
        raise FileNotFoundError(f"no training log in {run_dir}")
    by_step, batch_size = {}, 32
    for line in log.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec.get("event") == "start":
            batch_size = rec.get("recipe", {}).get("batch_size", batch_size)
        elif rec.get("event") == "validation":
            by_step[rec["step"]] = {**by_step.get(rec["step"], {}), **rec}
    return [by_step[s] for s in sorted(by_step)], batch_size


def table(points: list[dict], batch_size: int) -> str:
    keys = [k for k in SLICES if any(k in p for p in points)]
    head = "| pairs trained | " + " | ".join(SLICES[k] for k in keys) + " |"
    rows = [head, "|" + "---|" * (len(keys) + 1)]
    for p in points:
        cells = [f"{p[k]:.3f}" if k in p else "" for k in keys]
        rows.append(f"| {p['step'] * batch_size:,} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def plot(run_dir: Path, title: str | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points, batch_size = read_points(run_dir)
    fig, ax = plt.subplots(figsize=(10, 5), dpi=110)
    for key, label in SLICES.items():
        xs = [p["step"] * batch_size / 1000 for p in points if key in p]
        ys = [p[key] for p in points if key in p]
        if xs:
            ax.plot(xs, ys, marker="o", markersize=3, label=label)
    ax.set_xlabel("pairs trained in this run (thousands)")
    ax.set_ylabel("held-out accuracy (fp32)")
    ax.set_title(title or f"Stance run {Path(run_dir).parent.name}: learning curve")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    out = Path(run_dir) / "learning_curve.png"
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return out


def validate(run_dir: Path, models_dir: Path, stance_dir: Path, step: int, note: str, log=print) -> dict:
    """Score the artefact in `stance_dir` on the logged slices (fp32, as the trainer does) and append the
    event to the run's log at `step`: step 0 of a warm-started run is its starting model."""
    import torch

    from lab.stance.data import curve_pairs, resolve_data_dir, validation_pairs
    from lab.stance.export import assemble
    from lab.stance.train import accuracy, append_log, load_tokenizer

    torch.set_num_threads(2)
    model = assemble(models_dir, stance_dir)
    tok = load_tokenizer(models_dir)
    data_dir = resolve_data_dir(None)
    slices = {**validation_pairs(data_dir), **curve_pairs(data_dir)}
    accs = {f"val_{k}": round(accuracy(model, tok, v, 256), 4) for k, v in slices.items()}
    append_log(Path(run_dir) / "train_log.jsonl", {"event": "validation", "step": step, "of": note, **accs})
    log(f"validation at step {step} ({note}): {accs}")
    return accs


def main(argv: list[str] | None = None) -> int:
    import argparse

    from service.config import REPO_ROOT

    ap = argparse.ArgumentParser(prog="python -m lab.stance.curve", description=__doc__.split("\n")[0])
    ap.add_argument("run_dir", help="the run's stance folder (holding train_log.jsonl)")
    ap.add_argument("--start", metavar="STANCE_DIR", default=None,
                    help="first score this artefact (the model the run started warm from) and log it as step 0")
    args = ap.parse_args(argv)
    run_dir = Path(args.run_dir)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if args.start:
        validate(run_dir, REPO_ROOT / "models", Path(args.start), 0, f"the starting weights ({args.start})")
    points, batch_size = read_points(run_dir)
    print(table(points, batch_size))
    print(f"plot: {plot(run_dir)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
