"""Files on disk: crash-safe writes of the FAISS cache and its sidecar, and the writer lock.

Layout of a data_dir:
  recoupe.sqlite3 (+ -wal, -shm)  the source of truth (see schema.py)
  passages.faiss                  FAISS index: a cache derived from SQLite
  passages.faiss.json             sidecar: which SQLite generation the cache holds
  recoupe.lock                    flock: one writer at a time across processes

Every file is written to a temporary name, fsync'd, then renamed over the old
one, so a reader or a crash sees the old file or the new one, never half of
one. The FAISS file is renamed before its sidecar: a crash between the two
leaves a sidecar naming the old generation, which `open` detects as stale.
"""

from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from pathlib import Path

from service.index.ann import faiss_module

DB_NAME = "recoupe.sqlite3"
FAISS_NAME = "passages.faiss"
SIDECAR_NAME = "passages.faiss.json"
LOCK_NAME = "recoupe.lock"
TMP_MARK = ".tmp-"
SIDECAR_FORMAT = 1


class StaleCache(Exception):
    """The FAISS file cannot be used as is; the message says why (it is logged, then rebuilt)."""


def _fsync_path(path: Path, *, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace_durably(tmp: Path, final: Path) -> None:
    _fsync_path(tmp)
    os.replace(tmp, final)
    # The rename itself lives in the directory entry: sync that too.
    _fsync_path(final.parent, directory=True)


def _tmp_name(final: Path) -> Path:
    return final.with_name(f"{final.name}{TMP_MARK}{os.getpid()}")


def remove_stale_temps(data_dir: Path) -> None:
    """Temporary files left by a writer killed mid-write; call only while holding the write lock."""
    for name in (FAISS_NAME, SIDECAR_NAME):
        for leftover in data_dir.glob(f"{name}{TMP_MARK}*"):
            leftover.unlink(missing_ok=True)


def write_sidecar(data_dir: Path, meta: dict) -> None:
    final = data_dir / SIDECAR_NAME
    tmp = _tmp_name(final)
    tmp.write_text(json.dumps({"format": SIDECAR_FORMAT, **meta}, indent=1, sort_keys=True), encoding="utf-8")
    _replace_durably(tmp, final)


def write_index(data_dir: Path, index, meta: dict) -> dict:
    """Write the FAISS file then its sidecar; returns the sidecar as written."""
    faiss = faiss_module()
    final = data_dir / FAISS_NAME
    tmp = _tmp_name(final)
    faiss.write_index(index, str(tmp))
    _replace_durably(tmp, final)
    meta = {**meta, "ntotal": int(index.ntotal), "faiss_bytes": final.stat().st_size}
    write_sidecar(data_dir, meta)
    return meta


def read_sidecar(data_dir: Path) -> dict:
    try:
        meta = json.loads((data_dir / SIDECAR_NAME).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StaleCache(f"{SIDECAR_NAME} is missing") from None
    except (OSError, ValueError) as exc:
        raise StaleCache(f"{SIDECAR_NAME} is unreadable: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != SIDECAR_FORMAT:
        raise StaleCache(f"{SIDECAR_NAME} has an unknown format")
    return meta


def read_index(data_dir: Path, meta: dict, dim: int):
    """Load the FAISS file the sidecar describes, checking it is the file the sidecar was written for."""
    path = data_dir / FAISS_NAME
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise StaleCache(f"{FAISS_NAME} is missing") from None
    if size != meta.get("faiss_bytes"):
        raise StaleCache(f"{FAISS_NAME} has {size} bytes, its sidecar expects {meta.get('faiss_bytes')}")
    try:
        index = faiss_module().read_index(str(path))
    except RuntimeError as exc:  # FAISS reports unreadable files as RuntimeError
        raise StaleCache(f"{FAISS_NAME} is unreadable: {exc}") from None
    if index.d != dim or index.ntotal != meta.get("ntotal"):
        raise StaleCache(f"{FAISS_NAME} holds {index.ntotal} vectors of dim {index.d}, not what its sidecar says")
    return index


def disk_usage(data_dir: Path) -> int:
    names = (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", FAISS_NAME, SIDECAR_NAME)
    return sum((data_dir / n).stat().st_size for n in names if (data_dir / n).exists())


class DirLock:
    """An flock on `recoupe.lock`, so writers in several processes (a CLI ingest next to the
    server) take turns: each holds it from its SQLite transaction until the FAISS file
    matching that transaction is on disk. Readers hold it shared while loading the file
    pair, so they never pair one writer's sidecar with another's FAISS file."""

    def __init__(self, data_dir: Path):
        self._fd = os.open(data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)

    @contextmanager
    def hold(self, *, exclusive: bool):
        fcntl.flock(self._fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
