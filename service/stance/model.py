"""The stance model as the service uses it.

    model = StanceModel.load(models_dir)                 # once per process
    probs = model.predict([(evidence, claim), ...])      # shape (n, 3)

Each row of `predict` holds probabilities in the model's own label order
(`labels`, read from the artefact's config.json id2label); `stances` names
the same columns as `Stance` (entailment -> supports, neutral -> neutral,
contradiction -> refutes), and `readings(model.stances, rows)` keys each
row by them, so no caller reads a column by its position.
The premise is the evidence passage, optionally led by a short context such
as the article title (`with_context`), the hypothesis is the claim; French,
English or mixed. Pairs are cut at the artefact's serving length
(`serving_max_length` in recoupe_stance.json, chosen from the accuracy by
premise length; 128 when absent), the longer side first, as in training.

Runtimes: "onnx-int8" (default; built at set-up by `recoupe models build-stance`
from the committed fp16 weights; activations quantised per call, so served
one pair per call), "onnx-int8-static" (the same int8 graph with activation
ranges fixed at build time: a pair's answer does not depend on the pairs that
share its call, so it runs in length-bucketed batches; an option until it
matches "onnx-int8" on held-out accuracy and speed, see models/README.md) and
"torch-fp32" (the reference).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np

from service.config import REPO_ROOT
from service.errors import ModelMissing, RecoupeError
from service.stance import LABELS, STANCE_OF_LABEL, Stance
from service.stance.artefact import RUNTIME_DYNAMIC, RUNTIME_HINT, RUNTIME_STATIC, TRAIN_HINT, weights_present
from service.stance.pairs import with_context

__all__ = ["StanceModel", "LABELS", "RUNTIMES", "with_context"]

MAX_LENGTH = 128  # when the artefact names no serving length
RUNTIMES = ("onnx-int8", "onnx-int8-static", "torch-fp32")

_lock = threading.Lock()
_loaded: dict[tuple, "StanceModel"] = {}


PAD_ID = 1
# Pairs per ONNX call of the dynamically quantised graph ("onnx-int8"). One: dynamic int8 quantisation
# scales each call's activations by that call's largest value, so in a batch a pair's probabilities
# move with its companions (up to 0.24 on the seed claims, enough to flip two verdicts of 40).
# Alone, a pair always gets the same answer, whoever else is being verified. On two busy cores one
# pair per call is also the fastest (88 pairs/s vs 64 in batches of 32; issue 18, the static graph:
# 3.6 vs 2.7): one pair's ~90 x 384 activations stay in cache.
SERVING_BATCH = 1
# Pairs per call of the runtimes whose answers do not depend on their batch-mates: the static int8
# graph (its activation ranges are constants of the graph) and torch fp32. Cut by length_batches.
BATCH = 32
# Which graph file each ONNX runtime reads (lab/stance/export.py builds both).
ONNX_FILES = {"onnx-int8": RUNTIME_DYNAMIC, "onnx-int8-static": RUNTIME_STATIC}
# A batch may hold this much padding, relative to its real tokens, before a new
# batch is cheaper: one verification's 10 passages run 12 to 120 tokens, and
# padding them all to the longest cost ~25% of the stance time.
MAX_PADDING = 0.2


def length_batches(lengths: list[int], batch_size: int) -> list[np.ndarray]:
    """Indices grouped into batches of similar length: sorted, then cut where
    padding to the batch's longest would exceed MAX_PADDING of its real tokens."""
    order = np.argsort(lengths, kind="stable")
    batches, current, real = [], [], 0
    for j in order:
        n = lengths[j]
        # sorted ascending, so n is the width the batch would pad to
        if current and (len(current) >= batch_size or (len(current) + 1) * n > (1 + MAX_PADDING) * (real + n)):
            batches.append(np.array(current))
            current, real = [], 0
        current.append(j)
        real += n
    if current:
        batches.append(np.array(current))
    return batches


def log_softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise log-probabilities of logits / temperature (the calibration reads them too)."""
    x = np.asarray(logits, dtype=np.float64) / temperature
    x = x - x.max(axis=1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=1, keepdims=True))


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    return np.exp(log_softmax(logits, temperature))


def label_order(stance_dir: Path) -> tuple[str, ...]:
    """The model's output columns, as its config.json names them (id2label); LABELS without one."""
    path = Path(stance_dir) / "config.json"
    id2label = json.loads(path.read_text()).get("id2label") if path.is_file() else None
    if not id2label:
        return LABELS
    labels = tuple(str(id2label[str(i)]).lower() for i in range(len(id2label)))
    unknown = [name for name in labels if name not in STANCE_OF_LABEL]
    if unknown:
        raise ModelMissing(f"the stance model in {stance_dir} names labels {unknown}: expected "
                           f"{', '.join(STANCE_OF_LABEL)}")
    return labels


def readings(stances: tuple[Stance, ...], probabilities) -> list[dict[Stance, float]]:
    """Rows of probabilities (in the order of `stances`) -> one {Stance: probability} per row."""
    return [{s: float(p) for s, p in zip(stances, row)} for row in probabilities]


class StanceModel:

    def __init__(self, models_dir: Path, runtime: str, threads: int, max_length: int | None = None,
                 spinning: bool = False):
        self.models_dir, self.runtime, self.threads, self.spinning = Path(models_dir), runtime, threads, spinning
        stance_dir = self.models_dir / "stance"
        if not weights_present(stance_dir):
            raise ModelMissing(f"the stance model is not built in {stance_dir}: {TRAIN_HINT}")
        # Which column is which, from the artefact itself.
        self.labels = label_order(stance_dir)
        self.stances = tuple(STANCE_OF_LABEL[label] for label in self.labels)
        tok_path = self.models_dir / "e5-small" / "tokenizer.json"
        if not tok_path.is_file():
            raise ModelMissing(
                f"the e5-small backbone (tokenizer and word embeddings of the stance model) is missing in "
                f"{tok_path.parent}: run `recoupe models build-embedder`"
            )
        from service.models.tokenizer import tokenizer

        meta_path = stance_dir / "recoupe_stance.json"
        meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
        self.max_length = int(max_length or meta.get("serving_max_length") or MAX_LENGTH)
        # Which weights, calibration and length these predictions come from: caches of stance
        # predictions key on it, so a new model never reads an older one's cached answers.
        import hashlib

        ident = [meta.get("exported_at"), meta.get("step"), meta.get("calibration", {}).get("temperature"),
                 self.max_length]
        # Parsed once with the embedder's (models/tokenizer.py); truncated the longer side first.
        self._tok = tokenizer(tok_path, truncation={"max_length": self.max_length, "strategy": "longest_first"})
        # Temperature scaling fit on held-out pairs (calibrate.py); 1.0 until calibrated.
        self.temperature = float(meta.get("calibration", {}).get("temperature", 1.0))
        # Pairs per call: all of a call's pairs (BATCH, by length) where a pair's answer does not
        # depend on its batch-mates, one (SERVING_BATCH) where it does.
        self.batch_size = BATCH
        if runtime in ONNX_FILES:
            self._logits, ranges = self._onnx(stance_dir)
            if ranges:  # fixed activation ranges: the graph's calibration is part of the answers
                ident.append(f"static-{ranges}")
            else:  # int8 answers depend on how pairs are grouped
                self.batch_size = SERVING_BATCH
                ident.append(f"batch{SERVING_BATCH}")
        elif runtime == "torch-fp32":
            self._logits = self._torch()
        else:
            raise RecoupeError(f"unknown stance runtime {runtime!r}: use one of {', '.join(RUNTIMES)}")
        self.version = hashlib.sha1(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:8]

    @classmethod
    def load(cls, models_dir: str | os.PathLike | None = None, runtime: str = "onnx-int8",
             threads: int = 0, max_length: int | None = None, spinning: bool = False) -> "StanceModel":
        """The process-wide instance for these settings (loaded on first use, offline)."""
        models_dir = Path(models_dir or REPO_ROOT / "models")
        key = (str(models_dir.resolve()), runtime, threads, max_length, spinning)
        with _lock:
            if key not in _loaded:
                _loaded[key] = cls(models_dir, runtime, threads, max_length, spinning)
            return _loaded[key]

    @classmethod
    def forget(cls) -> None:
        """Drop the process-wide instances (after the artefact or its calibration changed)."""
        with _lock:
            _loaded.clear()

    @property
    def name(self) -> str:
        return f"recoupe-stance-e5-small/{self.runtime}@{self.version}"

    def predict(self, pairs: list[tuple[str, str]], batch_size: int | None = None) -> np.ndarray:
        """(premise, hypothesis) pairs -> (n, 3) calibrated probabilities [entailment, neutral, contradiction]."""
        return softmax(self.logits(pairs, batch_size), self.temperature).astype(np.float32)

    def logits(self, pairs: list[tuple[str, str]], batch_size: int | None = None) -> np.ndarray:
        """The raw (n, 3) scores before the softmax, as calibration needs them."""
        if batch_size is None:
            batch_size = self.batch_size
        out = np.zeros((len(pairs), len(self.labels)), dtype=np.float32)
        if not pairs:
            return out
        for p in pairs:
            if not (isinstance(p, (tuple, list)) and len(p) == 2 and all(isinstance(s, str) for s in p)):
                raise RecoupeError("stance pairs must be (premise, hypothesis) string pairs")
        encoded = self._tok.encode_batch([(a, b) for a, b in pairs])
        for idx in length_batches([len(e.ids) for e in encoded], batch_size):
            width = max(len(encoded[j].ids) for j in idx)
            ids = np.full((len(idx), width), PAD_ID, dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, j in enumerate(idx):
                n = len(encoded[j].ids)
                ids[row, :n], mask[row, :n] = encoded[j].ids, 1
            out[idx] = self._logits(ids, mask)
        return out

    # ------------------------------------------------------------ runtimes

    def _onnx(self, stance_dir: Path):
        from service.models.ort_session import inference_session

        path = stance_dir / "onnx" / ONNX_FILES[self.runtime]
        if not path.is_file():
            raise ModelMissing(f"the stance model's int8 ONNX runtime is missing ({path}): {RUNTIME_HINT}")
        session = inference_session(path, self.threads, self.spinning)

        def logits(ids, mask):
            return session.run(None, {"input_ids": ids, "attention_mask": mask})[0]

        # The fingerprint of the fixed activation ranges (export.freeze_runtime); absent from a
        # graph that quantises its activations per call.
        return logits, session.get_modelmeta().custom_metadata_map.get("recoupe_activation_ranges")

    def _torch(self):
        from service.stance.artefact import assemble

        model = assemble(self.models_dir)  # says what to install when torch is missing
        import torch

        if self.threads:
            torch.set_num_threads(self.threads)

        def logits(ids, mask):
            with torch.inference_mode():
                return model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).logits.numpy()

        return logits
