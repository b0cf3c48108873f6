"""Ship a trained candidate: `recoupe models promote-stance CANDIDATE_MODELS_DIR`.

A candidate is a models folder (its own `stance/` beside an `e5-small/`)
where a run was trained, exported, calibrated and measured with
`recoupe models eval-stance`. It replaces models/stance only when its
held-out table beats the shipped one's (evaluate.beats), both measured by
the same code; `--force` overrides, loudly.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from service.errors import RecoupeError
from lab.stance.evaluate import beats, compare_table
from lab.stance.export import remove_runtime, weight_files

KEEP = ("config.json", "recoupe_stance.json", "metrics.json", "train_log.jsonl")


def promote(models_dir: Path, candidate_dir: Path, force: bool = False, log=print) -> bool:
    shipped, cand = Path(models_dir) / "stance", Path(candidate_dir) / "stance"
    for d in (shipped, cand):
        if not (d / "metrics.json").is_file():
            raise RecoupeError(f"{d} has no metrics.json: run `recoupe models eval-stance` on it first")
    old, new = (json.loads((d / "metrics.json").read_text()) for d in (shipped, cand))
    log(compare_table(old, new, "shipped", "candidate"))
    ok, why = beats(old, new)
    log(f"candidate {'beats' if ok else 'does not beat'} the shipped model: {why}")
    if not ok and not force:
        return False
    if not ok:
        log("--force: shipping a candidate that does not beat the shipped model")
    for f in weight_files(shipped):
        f.unlink()
    for f in weight_files(cand):
        shutil.copy2(f, shipped / f.name)
    for name in KEEP:
        if (cand / name).is_file():
            shutil.copy2(cand / name, shipped / name)
    remove_runtime(shipped)  # built from the old weights
    log(f"shipped: {cand} -> {shipped}; rebuild the runtime with `recoupe models build-stance`")
    return True
