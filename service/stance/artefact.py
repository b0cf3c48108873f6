"""The shipped stance artefact as the service reads it (models/stance/).

  model-0000N-of-0000M.safetensors   every weight except the word-embedding matrix, fp16
  config.json                         the BertConfig, id2label {0: entailment, 1: neutral, 2: contradiction}
  recoupe_stance.json                 provenance, calibration and serving length
  onnx/model_int8*.onnx               the runtimes built at set-up (git-ignored)

The word-embedding matrix was frozen during training, so it is re-attached at load time from the
rebuilt e5-small (models/e5-small), whose fingerprint must match. Writing the artefact (export,
the ONNX builds) is the lab's (lab/stance/export.py); reading it is here, so that serving never
imports the training code. `assemble` is the torch-fp32 reference runtime: torch and transformers
are imported only when it is asked for.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from service.config import REPO_ROOT
from service.errors import ModelMissing
from service.models.reference_runtime import missing_reference_library

WORD_EMBEDDINGS = "bert.embeddings.word_embeddings.weight"
TRAIN_HINT = "run `recoupe models train-stance` (several hours on a CPU; it resumes where it stopped)"
RUNTIME_HINT = "run `recoupe models build-stance` (the README's set-up does it)"
EMBEDDER_HINT = "run `recoupe models build-embedder` first (the README's set-up does it)"
RUNTIME_DYNAMIC = "model_int8.onnx"  # activations quantised per call: one pair per call
RUNTIME_STATIC = "model_int8_static.onnx"  # fixed activation ranges: any batch


def backbone_dir(models_dir: Path) -> Path:
    d = Path(models_dir) / "e5-small"
    if not (d / "model.safetensors").is_file() or not (d / "tokenizer.json").is_file():
        raise ModelMissing(f"the e5-small backbone is not built in {d}: {EMBEDDER_HINT}")
    return d


def weight_files(stance_dir: Path) -> list[Path]:
    return sorted(Path(stance_dir).glob("model-*-of-*.safetensors"))


def weights_present(stance_dir: Path) -> bool:
    return bool(weight_files(stance_dir))


def word_embedding_fingerprint(matrix) -> str:
    """sha1 over every 997th row: enough to tell two builds apart, fast to check at load."""
    import numpy as np

    rows = np.ascontiguousarray(matrix[::997].detach().float().numpy() if hasattr(matrix, "detach") else matrix[::997])
    return hashlib.sha1(rows.astype("<f4").tobytes()).hexdigest()[:16]


def load_word_embeddings(models_dir: Path):
    from safetensors import safe_open

    path = backbone_dir(models_dir) / "model.safetensors"
    with safe_open(str(path), framework="pt") as fh:
        key = next(k for k in fh.keys() if k.endswith("embeddings.word_embeddings.weight"))
        return fh.get_tensor(key)


def load_weights(stance_dir: Path) -> dict:
    from safetensors.torch import load_file

    state = {}
    for f in weight_files(stance_dir):
        state.update(load_file(str(f)))
    return state


def assemble(models_dir: str | os.PathLike | None = None, stance_dir: str | os.PathLike | None = None):
    """The fp32 torch model: the fp16 artefact plus the word embeddings of e5-small."""
    try:
        import torch
        from transformers import BertConfig, BertForSequenceClassification
    except ImportError as exc:
        raise missing_reference_library("stance", exc) from exc

    models_dir = Path(models_dir or REPO_ROOT / "models")
    stance_dir = Path(stance_dir or models_dir / "stance")
    if not weights_present(stance_dir) or not (stance_dir / "config.json").is_file():
        raise ModelMissing(f"the stance model is not in {stance_dir}: {TRAIN_HINT}")
    meta = json.loads((stance_dir / "recoupe_stance.json").read_text())
    config = BertConfig.from_json_file(str(stance_dir / "config.json"))
    with torch.device("meta"):
        model = BertForSequenceClassification(config)
    state = {k: v.float() for k, v in load_weights(stance_dir).items()}
    words = load_word_embeddings(models_dir)
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
