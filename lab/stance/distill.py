"""A 6-layer student of the shipped stance model: `python -m lab.stance.distill OUT_MODELS_DIR`.

Half the layers is half the stance model's compute per pair, and the stance
model is ~90% of a verification. The recipe:

- teacher: the shipped stance model (models/stance) as it serves, the int8
  ONNX runtime, its raw logits on every pair of the v2 mix (data.epoch_pairs,
  the same epochs and order as train.py), cut at the recipe's length. They are
  computed once and cached beside the student (teacher_logits.npz, keyed by
  the teacher's versioned name, the data and the length), so a resumed or
  repeated run does not pay for them again;
- student: the teacher's own weights with every other layer kept (layers
  1, 3, 5, 7, 9, 11, as DistilBERT does; embeddings, pooler and classifier
  copied), so it starts close to the teacher instead of from scratch;
- loss: alpha x KL(teacher || student) at temperature T (times T^2, so its
  gradients keep their scale) + (1 - alpha) x cross-entropy on the gold labels, handed as a
  loss to the one training loop (loop.py) that train.py runs too;
- the same schedule, optimiser, bf16 autocast and exact resume as train.py
  (checkpoints/last.pt every `checkpoint_minutes`, on SIGINT/SIGTERM and at
  the end; run the same command again to continue);
- at the end: the fp16 artefact in OUT/stance (config.json says 6 layers,
  so export.assemble builds the student), OUT/e5-small linked to the
  backbone, then the existing tooling:
      python -m lab.stance.export --models OUT --runtime-only   # the int8 runtime
      python -m lab.stance.evaluate --models OUT                # its held-out table
      python -m lab.stance.distill OUT --compare                # within 1 point of the teacher?
  and serve it with `stance_models_dir = "OUT"` (RECOUPE_STANCE_MODELS_DIR).

Training code: nothing in the serving path imports this module.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from service.config import REPO_ROOT
from service.errors import RecoupeError
from service.stance import LABELS
from lab.stance.loop import Loop, run_log, warmup_then_linear
from lab.stance.train import (Recipe, Schedule, _atomic_save, _rng_states, _set_rng_states, checkpoint_path,
                              load_tokenizer, use_bf16)

KEEP_LAYERS = (1, 3, 5, 7, 9, 11)
# The student is promoted as the default only when it stays within this of the teacher on these sets.
PROMOTION_SETS = ("xnli_fr", "sick_fr_test", "fm2_neutral.refutes_rate", "wice_neutral.refutes_rate")
MAX_DROP = 0.01


@dataclass(frozen=True)
class DistillRecipe:
    base: Recipe = Recipe(lr=5e-5, init="shipped")
    temperature: float = 2.0
    alpha: float = 0.7  # weight of the teacher's distribution against the gold label
    keep_layers: tuple = KEEP_LAYERS

    def fingerprint(self) -> str:
        d = dataclasses.asdict(self)
        d["base"] = self.base.fingerprint()
        return hashlib.sha1(json.dumps(d, sort_keys=True, default=list).encode()).hexdigest()[:12]


# ---------------------------------------------------------------- teacher


def teacher_logits(models_dir: Path, schedule: Schedule, max_length: int, cache: Path, log=print) -> list[np.ndarray]:
    """Per epoch, the teacher's (n, 3) logits on that epoch's pairs (cached in `cache`)."""
    from service.stance.model import StanceModel

    teacher = StanceModel(models_dir, "onnx-int8", threads=0, max_length=max_length)
    key = hashlib.sha1(f"{teacher.name}|{schedule.fingerprint}|{max_length}".encode()).hexdigest()[:16]
    if cache.is_file():
        with np.load(cache) as z:
            if str(z["key"]) == key:
                log(f"teacher logits from {cache}")
                return [z[f"epoch{e}"] for e in range(len(schedule.epochs))]
    out = []
    for e, (pairs, _) in enumerate(schedule.epochs):
        t0 = time.time()
        rows = []
        for b in range(0, len(pairs), 512):  # in slices, with progress: ~19k pairs take minutes
            rows.append(teacher.logits([(p.premise, p.hypothesis) for p in pairs[b:b + 512]]))
            log(f"teacher logits, epoch {e}: {min(b + 512, len(pairs))}/{len(pairs)} pairs "
                f"({time.time() - t0:.0f}s)")
        out.append(np.concatenate(rows) if rows else np.zeros((0, len(LABELS)), dtype=np.float32))
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_name(cache.name + ".tmp.npz")
    np.savez(tmp, key=key, **{f"epoch{e}": x for e, x in enumerate(out)})
    os.replace(tmp, cache)
    return out


# ---------------------------------------------------------------- student


def student_from_teacher(teacher, keep_layers=KEEP_LAYERS):
    """A BertForSequenceClassification with the teacher's `keep_layers`, everything else copied."""
    import copy

    from transformers import BertForSequenceClassification

    config = copy.deepcopy(teacher.config)
    config.num_hidden_layers = len(keep_layers)
    student = BertForSequenceClassification(config)
    state = teacher.state_dict()
    mine = {}
    for k, v in state.items():
        if k.startswith("bert.encoder.layer."):
            i = int(k.split(".")[3])
            if i in keep_layers:
                mine[k.replace(f"bert.encoder.layer.{i}.", f"bert.encoder.layer.{keep_layers.index(i)}.", 1)] = v
        else:
            mine[k] = v
    missing, unexpected = student.load_state_dict(mine, strict=False)
    if unexpected or [m for m in missing if not m.endswith("position_ids")]:
        raise RecoupeError(f"the student does not fit the teacher's weights (missing {missing[:3]}, "
                           f"unexpected {unexpected[:3]})")
    student.bert.embeddings.requires_grad_(False)  # the word matrix is rebuilt at set-up, never shipped
    return student


def distill_loss(student_logits, teacher_logits, labels, temperature: float, alpha: float):
    import torch.nn.functional as F

    t = temperature
    kl = F.kl_div(F.log_softmax(student_logits / t, -1), F.log_softmax(teacher_logits / t, -1),
                  log_target=True, reduction="batchmean") * t * t
    return alpha * kl + (1 - alpha) * F.cross_entropy(student_logits, labels)


def distillation_loss_of(student, tok, pairs, teacher_logits: np.ndarray, recipe: DistillRecipe,
                         batch_size: int = 32) -> float:
    """The run's loss of `student` over `pairs` (a mean per pair) against their teacher logits, without
    dropout or gradients: what a run should bring down on the pairs it trains on."""
    import torch

    from lab.stance.train import encode

    was_training = student.training
    student.eval()
    total = 0.0
    with torch.no_grad():
        for b in range(0, len(pairs), batch_size):
            batch = pairs[b:b + batch_size]
            logits = student(**encode(tok, batch, recipe.base.max_length)).logits.float()
            target = torch.from_numpy(np.asarray(teacher_logits[b:b + batch_size])).float()
            labels = torch.tensor([p.label for p in batch])
            total += float(distill_loss(logits, target, labels, recipe.temperature, recipe.alpha)) * len(batch)
    student.train(was_training)
    return total / len(pairs)


class DistillationLoss:
    """The loss handed to the one training loop (loop.py) to distil: the teacher's cached logits of the
    batch's pairs, found by their epoch and positions in the schedule, against the student's."""

    def __init__(self, teacher_logits: list[np.ndarray], temperature: float, alpha: float):
        self.teacher_logits, self.temperature, self.alpha = teacher_logits, temperature, alpha

    def __call__(self, logits, labels, epoch: int, positions):
        import torch

        target = torch.from_numpy(self.teacher_logits[epoch][positions]).float().to(logits.device)
        return distill_loss(logits, target, labels, self.temperature, self.alpha)


# ---------------------------------------------------------------- the run


def distill(out_models_dir: str | os.PathLike, models_dir: str | os.PathLike | None = None,
            data_dir: str | os.PathLike | None = None, *, recipe: DistillRecipe = DistillRecipe(),
            max_hours: float | None = None, stop_after_steps: int | None = None, limit_pairs: int | None = None,
            checkpoint_minutes: float | None = None, log=print) -> dict:
    """Train (or resume) the student into OUT/stance; export it when the schedule is done.

    `limit_pairs` keeps only the first N pairs of each epoch (smoke runs and tests)."""
    import torch

    from lab.stance.data import resolve_data_dir
    from lab.stance.export import assemble

    models_dir = Path(models_dir or REPO_ROOT / "models")
    out = Path(out_models_dir)
    stance_out = out / "stance"
    stance_out.mkdir(parents=True, exist_ok=True)
    _link_backbone(out, models_dir)
    base = recipe.base
    torch.set_num_threads(base.threads)
    device = "cpu"
    bf16 = use_bf16(base, device)
    schedule = Schedule(resolve_data_dir(data_dir), base, log=log)
    if limit_pairs:
        _limit(schedule, limit_pairs, base)
    logits = teacher_logits(models_dir, schedule, base.max_length, stance_out / "teacher_logits.npz", log)
    tok = load_tokenizer(models_dir)
    teacher = assemble(models_dir)
    student = student_from_teacher(teacher, recipe.keep_layers)
    teacher_version = json.loads((models_dir / "stance" / "recoupe_stance.json").read_text())
    del teacher
    params = [p for p in student.parameters() if p.requires_grad]
    optim = torch.optim.AdamW(params, lr=base.lr, weight_decay=base.weight_decay)
    total = schedule.total_steps
    sched = warmup_then_linear(optim, total, base.warmup)
    ckpt, run_log_path = checkpoint_path(stance_out), stance_out / "distill_log.jsonl"
    step, trained = 0, 0.0
    if ckpt.is_file():
        ck = torch.load(ckpt, map_location="cpu", weights_only=False)
        if ck["recipe"] != recipe.fingerprint() or ck["data"] != schedule.fingerprint:
            raise RecoupeError(f"the checkpoint {ckpt} was made with another recipe or other data: move it away")
        student.load_state_dict(ck["model"], strict=False)
        optim.load_state_dict(ck["optimizer"])
        sched.load_state_dict(ck["scheduler"])
        _set_rng_states(ck["rng"])
        step, trained = ck["step"], ck["trained_seconds"]
        log(f"resuming at step {step}/{total}")
    else:
        log(f"new student: {len(recipe.keep_layers)} layers {recipe.keep_layers} of the teacher, {total} steps")

    record = run_log(run_log_path)

    def save(reason: str, step: int, trained: float) -> None:
        _atomic_save({"model": {k: v for k, v in student.state_dict().items() if "word_embeddings" not in k},
                      "optimizer": optim.state_dict(), "scheduler": sched.state_dict(), "rng": _rng_states(),
                      "step": step, "trained_seconds": trained, "recipe": recipe.fingerprint(),
                      "data": schedule.fingerprint, "total_steps": total}, ckpt)
        record({"event": "checkpoint", "step": step, "reason": reason})

    loop = Loop(student, tok, schedule, optim, sched, max_length=base.max_length, clip=base.clip,
                log_every=base.log_every, save=save, record=record, device=device, bf16=bf16, log=log,
                checkpoint_minutes=checkpoint_minutes if checkpoint_minutes is not None else base.checkpoint_minutes,
                loss=DistillationLoss(logits, recipe.temperature, recipe.alpha))
    step, trained = loop.run(step, trained, stop_after_steps=stop_after_steps, max_hours=max_hours)
    done = step >= total
    if done:
        export_student(student, stance_out, teacher_version, recipe, step, total, trained, log)
    return {"step": step, "total_steps": total, "done": done, "trained_hours": round(trained / 3600, 3)}


def export_student(student, stance_out: Path, teacher_meta: dict, recipe: DistillRecipe, step: int, total: int,
                   trained_s: float, log=print) -> None:
    import torch

    from lab.stance.export import WORD_EMBEDDINGS, remove_runtime, save_sharded, word_embedding_fingerprint

    state = {k: v.detach().to(torch.float16).contiguous() for k, v in student.state_dict().items()
             if k != WORD_EMBEDDINGS and not k.endswith("position_ids")}
    save_sharded(state, stance_out, {"format": "pt", "labels": ",".join(LABELS)})
    student.config.to_json_file(str(stance_out / "config.json"))
    meta = {"labels": list(LABELS), "backbone": teacher_meta.get("backbone"),
            "word_embeddings_sha1": word_embedding_fingerprint(student.bert.embeddings.word_embeddings.weight),
            "step": step, "total_steps": total, "final": True, "trained_hours": round(trained_s / 3600, 2),
            "distilled_from": {"exported_at": teacher_meta.get("exported_at"), "step": teacher_meta.get("step")},
            "recipe": {**dataclasses.asdict(recipe.base), "temperature": recipe.temperature, "alpha": recipe.alpha,
                       "keep_layers": list(recipe.keep_layers)},
            "serving_max_length": teacher_meta.get("serving_max_length", 128),
            "exported_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
    (stance_out / "recoupe_stance.json").write_text(json.dumps(meta, indent=2) + "\n")
    remove_runtime(stance_out)  # built from older weights
    log(f"student written to {stance_out}; next: python -m lab.stance.export --models {stance_out.parent} "
        f"--runtime-only, then python -m lab.stance.evaluate --models {stance_out.parent}")


def within_teacher(teacher_metrics: dict, student_metrics: dict, max_drop: float = MAX_DROP) -> tuple[bool, list]:
    """Promotion rule: no drop over `max_drop` on XNLI-fr, SICK-fr and the same-topic neutrals
    (for the neutrals read as refutes, lower is better: a rise is the drop)."""
    from lab.stance.evaluate import _figure

    rows, ok = [], True
    for key in PROMOTION_SETS:
        old, new = _figure(teacher_metrics, key), _figure(student_metrics, key)
        if old is None or new is None:
            rows.append((key, old, new, False))
            ok = False
            continue
        worse = (new - old) if key.endswith("refutes_rate") else (old - new)
        rows.append((key, old, new, worse <= max_drop))
        ok &= worse <= max_drop
    return ok, rows


def _limit(schedule: Schedule, n: int, recipe: Recipe) -> None:
    from lab.stance.train import epoch_batches

    schedule.epochs = [(pairs[:n], epoch_batches(pairs[:n], recipe, e)) for e, (pairs, _) in enumerate(schedule.epochs)]
    schedule.offsets = np.cumsum([0] + [len(b) for _, b in schedule.epochs])
    schedule.total_steps = int(schedule.offsets[-1])
    schedule.fingerprint = f"{schedule.fingerprint}-first{n}"


def _link_backbone(out: Path, models_dir: Path) -> None:
    link = out / "e5-small"
    if not link.exists():
        link.symlink_to((models_dir / "e5-small").resolve(), target_is_directory=True)


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m lab.stance.distill", description=__doc__.split("\n")[0])
    ap.add_argument("out", help="models folder for the student (its stance/ is written, e5-small/ linked)")
    ap.add_argument("--models", default=None, help="models folder of the teacher (default: the repository's)")
    ap.add_argument("--data", default=None)
    ap.add_argument("--max-hours", type=float)
    ap.add_argument("--stop-after-steps", type=int)
    ap.add_argument("--limit-pairs", type=int, help="smoke run: the first N pairs of each epoch")
    ap.add_argument("--compare", action="store_true",
                    help="only compare OUT/stance/metrics.json with the teacher's (the promotion rule)")
    args = ap.parse_args(argv)
    if args.compare:
        models = Path(args.models or REPO_ROOT / "models")
        teacher, student = (json.loads((Path(d) / "stance" / "metrics.json").read_text()) for d in (models, args.out))
        ok, rows = within_teacher(teacher, student)
        for key, old, new, good in rows:
            print(f"{key:28s} teacher {old}  student {new}  {'ok' if good else 'more than 1 point worse'}")
        print("promote: the student is within 1 point of the teacher" if ok else
              "keep as an option: the student is more than 1 point worse somewhere")
        return 0 if ok else 1
    summary = distill(args.out, args.models, args.data, max_hours=args.max_hours,
                      stop_after_steps=args.stop_after_steps, limit_pairs=args.limit_pairs)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
