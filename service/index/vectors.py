"""Checking and converting passage and query vectors."""

from __future__ import annotations

import numpy as np

from service.errors import IndexCorrupt, InvalidInput


def as_unit_rows(vectors, dim: int, what: str) -> np.ndarray:
    """Return `vectors` as a C-contiguous float32 (n, dim) matrix of unit rows.

    Inner product equals cosine only for unit vectors. The embedder already
    normalises, so this is a no-op in production; doing it here as well means a
    caller's slip changes nothing rather than skewing every score.
    """
    arr = np.asarray(vectors, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != dim:
        raise InvalidInput(f"{what} must have shape (n, {dim}), got {tuple(np.shape(vectors))}")
    if not np.isfinite(arr).all():
        raise InvalidInput(f"{what} contain NaN or infinite values")
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    if arr.shape[0] and float(norms.min()) < 1e-12:
        raise InvalidInput(f"{what} contain an all-zero vector, which has no direction to search by")
    return np.ascontiguousarray(arr / norms, dtype=np.float32)


def to_blob(row: np.ndarray) -> bytes:
    return np.ascontiguousarray(row, dtype="<f4").tobytes()


def from_blobs(blobs: list[bytes], dim: int) -> np.ndarray:
    if not blobs:
        return np.empty((0, dim), dtype=np.float32)
    out = np.frombuffer(b"".join(blobs), dtype="<f4")
    if out.size != len(blobs) * dim:
        raise IndexCorrupt(f"stored passage vectors are not all {dim}-dimensional; the database is damaged")
    return out.reshape(len(blobs), dim).astype(np.float32, copy=False)
