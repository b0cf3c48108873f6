"""Embeddings of evaluation corpora, cached on disk.

Embedding SciFact's 46k sentences takes minutes on a CPU; a second
`recoupe eval` run should not pay it again. A cached array is keyed by the
embedder's name, the prefix kind ("query" or "passage") and a hash of every
text in order, so a different model, runtime or corpus (one edited sentence,
a different subset) gets a different file and can never be served stale
vectors. Files are `<data_dir>/cache/embeddings/<embedder>.<kind>.<hash>.npy`,
written to a temporary name and renamed, so an interrupted run leaves no
half-written file behind. While a long list is embedded, the chunks done so
far are kept beside it (`<...>.partial.npz`, every PARTIAL_EVERY_S seconds):
an interrupted run (SciFact's 46k sentences take hours on two busy cores)
resumes where it stopped, with the same chunks, so the same vectors.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from pathlib import Path

import numpy as np

KINDS = ("query", "passage")
# Texts per embedder call, at most: the progress bar moves at least every few
# seconds (long abstracts fill a call by characters first), batches still pad little.
CHUNK_TEXTS, CHUNK_CHARS = 512, 40_000
PARTIAL_EVERY_S = 60.0  # how often an embedding in progress saves the chunks it has done


def content_key(embedder_name: str, kind: str, texts: list[str]) -> str:
    digest = hashlib.sha1()
    for part in (embedder_name, kind):
        digest.update(part.encode("utf-8") + b"\x00")
    for t in texts:
        data = t.encode("utf-8")
        digest.update(len(data).to_bytes(8, "little") + data)  # length-prefixed: no two lists collide
    return digest.hexdigest()[:24]


class EmbeddingCache:
    def __init__(self, directory: str | os.PathLike, embedder, progress: bool = True):
        self.directory = Path(directory)
        self.embedder = embedder
        self.progress = progress
        self.hits = self.misses = 0

    def queries(self, texts: list[str], label: str = "queries") -> np.ndarray:
        return self.get(texts, "query", label)

    def passages(self, texts: list[str], label: str = "passages") -> np.ndarray:
        return self.get(texts, "passage", label)

    def path_for(self, texts: list[str], kind: str) -> Path:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.embedder.name)
        return self.directory / f"{name}.{kind}.{content_key(self.embedder.name, kind, texts)}.npy"

    def get(self, texts: list[str], kind: str, label: str = "") -> np.ndarray:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        texts = list(texts)
        path = self.path_for(texts, kind)
        if path.is_file():
            try:
                vectors = np.load(path, allow_pickle=False)
            except (OSError, ValueError):
                vectors = None  # unreadable: embed again and overwrite
            if vectors is not None and vectors.shape == (len(texts), self.embedder.dim):
                self.hits += 1
                return vectors
        self.misses += 1
        self.directory.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name[:-len(".npy")] + ".partial.npz")
        vectors = self._embed(texts, kind, label, partial)
        _save(path, lambda fh: np.save(fh, vectors, allow_pickle=False))
        partial.unlink(missing_ok=True)
        return vectors

    def _embed(self, texts: list[str], kind: str, label: str, partial: Path | None = None) -> np.ndarray:
        encode = self.embedder.encode_queries if kind == "query" else self.embedder.encode_passages
        out = np.zeros((len(texts), self.embedder.dim), dtype=np.float32)
        if not texts:
            return out
        # Sorted by length across the whole corpus, so that each call's batches pad little.
        order = np.argsort([len(t) for t in texts], kind="stable")
        chunks = list(_chunks(order, texts))
        done = _resume(partial, out)  # chunks embedded by an interrupted run of the same list
        bar = None
        if self.progress:
            from tqdm import tqdm

            bar = tqdm(total=len(texts), unit=kind, initial=sum(len(c) for c in chunks[:done]),
                       desc=f"embed {label or kind}", dynamic_ncols=True)
        saved = time.monotonic()
        for k in range(done, len(chunks)):
            out[chunks[k]] = encode([texts[j] for j in chunks[k]])
            if bar is not None:
                bar.update(len(chunks[k]))
            if partial is not None and k + 1 < len(chunks) and time.monotonic() - saved >= PARTIAL_EVERY_S:
                _save(partial, lambda fh, n=k + 1: np.savez(fh, vectors=out, chunks=np.array(n)))
                saved = time.monotonic()
        if bar is not None:
            bar.close()
        return out


def _resume(partial: Path | None, out: np.ndarray) -> int:
    """How many chunks a saved partial run holds (copied into `out`); 0 when none fits."""
    if partial is None or not partial.is_file():
        return 0
    try:
        with np.load(partial, allow_pickle=False) as data:
            if data["vectors"].shape != out.shape:
                return 0
            out[:] = data["vectors"]
            return int(data["chunks"])
    except (OSError, ValueError, KeyError):
        return 0


def _save(path: Path, write) -> None:
    """Write through a temporary name, then rename: a reader never sees half a file."""
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        write(fh)
    os.replace(tmp, path)


def _chunks(order: np.ndarray, texts: list[str]):
    start, chars = 0, 0
    for i, j in enumerate(order):
        chars += len(texts[j])
        if i + 1 - start >= CHUNK_TEXTS or chars >= CHUNK_CHARS:
            yield order[start:i + 1]
            start, chars = i + 1, 0
    if start < len(order):
        yield order[start:]
