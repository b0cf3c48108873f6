"""The one stance training loop: training (train.py) and distillation (distill.py) both run it.

What differs between them is handed in, as sentence-transformers hands a loss to its one trainer:
the model and its optimiser, the `loss` (cross-entropy on the gold labels, or the distillation loss
against the teacher's logits), how a checkpoint is saved, and an optional validation. The loop
owns the rest: the schedule's batches in order, bf16 autocast, gradient clipping, the log, the
periodic checkpoint, and stopping cleanly (a step limit, --max-hours, SIGINT/SIGTERM) with a
checkpoint that resumes bit for bit.
"""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


def cross_entropy(logits, labels, epoch: int, positions):
    """The training loss: cross-entropy on the gold labels (`epoch` and `positions` locate the batch in
    the schedule, for losses that read per-pair targets such as a teacher's logits)."""
    import torch

    return torch.nn.functional.cross_entropy(logits, labels)


@dataclass
class Loop:
    model: object
    tok: object
    schedule: object  # train.Schedule: batch(step) -> (epoch, pairs), epochs, offsets, total_steps
    optim: object
    sched: object
    max_length: int
    clip: float
    log_every: int
    checkpoint_minutes: float
    save: Callable[[str, int, float], None]  # (reason, step, trained seconds)
    record: Callable[[dict], None]  # one line of the run's log
    loss: Callable = cross_entropy
    validate: Callable[[int], None] | None = None  # called every `val_every` steps and at the end
    val_every: int = 0
    device: str = "cpu"
    bf16: bool = False
    log: Callable[[str], None] = print

    def run(self, step: int, trained_seconds: float, *, stop_after_steps: int | None = None,
            max_hours: float | None = None) -> tuple[int, float]:
        """Train from `step` to the schedule's end or a stop; always checkpoints; returns (step, seconds)."""
        import torch

        from lab.stance.train import encode

        total = self.schedule.total_steps
        params = [p for p in self.model.parameters() if p.requires_grad]
        stop = {"signal": None}

        def on_signal(signum, _frame):
            stop["signal"] = signum

        old_handlers = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        deadline = time.time() + max_hours * 3600 if max_hours else None
        last_ckpt = time.time()
        window = {"loss": 0.0, "n": 0, "pairs": 0, "tokens": 0, "t": time.time()}
        self.model.train()
        try:
            while step < total:
                if stop_after_steps is not None and step >= stop_after_steps:
                    break
                if stop["signal"] is not None:
                    self.log(f"signal {stop['signal']}: checkpointing at step {step}")
                    break
                if deadline and time.time() >= deadline:
                    self.log(f"--max-hours reached: checkpointing at step {step}")
                    break
                t0 = time.time()
                epoch, batch = self.schedule.batch(step)
                positions = self.schedule.epochs[epoch][1][step - self.schedule.offsets[epoch]]
                enc = {k: v.to(self.device) for k, v in encode(self.tok, batch, self.max_length).items()}
                labels = torch.tensor([p.label for p in batch], device=self.device)
                with torch.autocast(self.device.split(":")[0], dtype=torch.bfloat16, enabled=self.bf16):
                    logits = self.model(**enc).logits
                loss = self.loss(logits.float(), labels, epoch, positions)
                self.optim.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, self.clip)
                self.optim.step()
                self.sched.step()
                step += 1
                trained_seconds += time.time() - t0
                window["loss"] += loss.item()
                window["n"] += 1
                window["pairs"] += len(batch)
                window["tokens"] += int(enc["attention_mask"].sum())
                if step % self.log_every == 0 or step == total:
                    dt = time.time() - window["t"]
                    rec = {"step": step, "epoch": epoch, "loss": round(window["loss"] / window["n"], 4),
                           "lr": self.sched.get_last_lr()[0], "pairs_per_s": round(window["pairs"] / dt, 2),
                           "tokens_per_s": round(window["tokens"] / dt, 1),
                           "trained_h": round(trained_seconds / 3600, 3)}
                    eta = (total - step) * dt / window["n"] / 3600
                    self.log(f"step {step}/{total} epoch {epoch} loss {rec['loss']:.4f} lr {rec['lr']:.2e} "
                             f"{rec['pairs_per_s']:.1f} pairs/s, about {eta:.1f} h to go")
                    self.record({**rec, "eta_h": round(eta, 2)})
                    window = {"loss": 0.0, "n": 0, "pairs": 0, "tokens": 0, "t": time.time()}
                if self.validate and (step % self.val_every == 0 or step == total):
                    tv = time.time()
                    self.validate(step)
                    window["t"] += time.time() - tv
                if time.time() - last_ckpt >= self.checkpoint_minutes * 60:
                    self.save("periodic", step, trained_seconds)
                    last_ckpt = time.time()
                    window["t"] = time.time()
        finally:
            for s, handler in old_handlers.items():
                signal.signal(s, handler)
        self.save("end" if step >= total else "stop", step, trained_seconds)
        self.record({"event": "stop", "step": step, "total_steps": total, "done": step >= total,
                     "trained_hours": round(trained_seconds / 3600, 3)})
        return step, trained_seconds


def run_log(path: Path) -> Callable[[dict], None]:
    """The `record` of a Loop writing one time-stamped JSON line per call into `path`."""
    from lab.stance.train import append_log

    return lambda rec: append_log(path, rec)


def warmup_then_linear(optim, total: int, warmup: float):
    """The learning-rate schedule of every run: linear warm-up over `warmup` of the steps, then linear decay to 0."""
    import torch

    warm = max(1, int(warmup * total))
    return torch.optim.lr_scheduler.LambdaLR(
        optim, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
