"""The FAISS side of a PassageIndex: the in-memory index, which SQLite generation it
holds, and keeping `passages.faiss` on disk in step with it.

SQLite is the truth; this is a cache of its vectors. Every write transaction
bumps a generation (number + random token, `schema.bump_generation`); the
sidecar beside the FAISS file names the generation the file holds. Whenever
the two differ (a crash between commit and file write, a deleted or corrupt
file, a write by another process) the cache is reloaded or rebuilt from the
vectors stored in SQLite.

Deletions are tombstones first: deleted ids are remembered (in memory and in
the sidecar) and skipped by searches until the next write compacts them, or
at once when they pile up. HNSW cannot remove vectors at all, so compacting
it means rebuilding it from SQLite.

Callers hold the directory lock (`persist.DirLock`) around every method here
that reads or writes files, so no other writer moves SQLite or the files
meanwhile.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from service.errors import RecoupeError
from service.index import ann, persist, schema
from service.index.vectors import from_blobs

log = logging.getLogger(__name__)

# Tombstones beyond this share of the index (at least 64, at most 10,000) are
# compacted at delete time: each one costs every search one extra fetched hit.
TOMBSTONE_MAX_FRACTION = 0.05
TOMBSTONE_MIN, TOMBSTONE_MAX = 64, 10_000
CHUNK = 500  # ids per SQL IN (...) list: well under SQLite's parameter limit
_REBUILD_BATCH = 20_000  # vectors read from SQLite per FAISS add while rebuilding


class FaissCache:
    def __init__(self, conn, data_dir: Path, dim: int, params: ann.AnnParams):
        self._conn = conn
        self.data_dir = data_dir
        self.dim = dim
        self.params = params
        self.index = None
        self.state: ann.AnnState | None = None
        self.generation: tuple[int, str] | None = None  # the SQLite generation the index holds
        self.dead: set[int] = set()  # tombstones: gone from SQLite, still inside the FAISS index
        self.dirty = False  # the index holds a generation not yet written to disk
        self._file_meta: dict | None = None  # sidecar of the file on disk, while it matches memory

    @property
    def live(self) -> int:
        return self.index.ntotal - len(self.dead)

    def is_current(self) -> bool:
        return self.index is not None and schema.read_generation(self._conn) == self.generation

    def sync(self, *, write_back: bool) -> None:
        """Make the cache hold SQLite's current generation: keep it, load the file, or rebuild
        from the stored vectors (and, with write_back, save what was rebuilt)."""
        if self.is_current():
            return
        current = schema.read_generation(self._conn)
        try:
            self._load_file(current)
            return
        except persist.StaleCache as exc:
            log.info("rebuilding %s from SQLite: %s", self.data_dir / persist.FAISS_NAME, exc)
        self.rebuild()
        if write_back:
            self.persist()

    def _load_file(self, current: tuple[int, str]) -> None:
        meta = persist.read_sidecar(self.data_dir)
        expected = {"generation": current[0], "token": current[1], "dim": self.dim, **self.params.build_fingerprint()}
        for key, value in expected.items():
            if meta.get(key) != value:
                raise persist.StaleCache(f"its sidecar has {key}={meta.get(key)!r}, SQLite needs {value!r}")
        index = persist.read_index(self.data_dir, meta, self.dim)
        dead = {int(i) for i in meta.get("deleted_ids", [])}
        stored = self._conn.execute("SELECT count(*) FROM passages").fetchone()[0]
        if index.ntotal - len(dead) != stored:
            raise persist.StaleCache(f"it holds {index.ntotal - len(dead)} live vectors, SQLite {stored}")
        self._install(index, ann.AnnState(**meta["state"]), current, dead, dirty=False)
        self._file_meta = meta

    def rebuild(self) -> None:
        """Build the index from the vectors in SQLite, inside one read snapshot so the vectors
        and the generation they are labelled with agree."""
        conn = self._conn
        conn.execute("BEGIN")  # deferred: a read snapshot, no write lock
        try:
            generation = schema.read_generation(conn)
            ids = np.fromiter((r[0] for r in conn.execute("SELECT id FROM passages ORDER BY id")), dtype=np.int64)
            state = ann.plan(self.params, len(ids))
            index = ann.new_index(state, self.params, self.dim)
            take = ann.training_sample_size(state, len(ids))
            if take:
                sample = np.sort(np.random.default_rng(0).choice(ids, size=take, replace=False))
                index.train(self.vectors_of(sample))
            cursor = conn.execute("SELECT id, vector FROM passages ORDER BY id")
            while rows := cursor.fetchmany(_REBUILD_BATCH):
                batch_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
                index.add_with_ids(from_blobs([r[1] for r in rows], self.dim), batch_ids)
        finally:
            conn.execute("COMMIT")
        self._install(index, state, generation, set(), dirty=True)

    def vectors_of(self, ids) -> np.ndarray:
        ids = [int(i) for i in ids]
        found = self._blobs(ids)
        return from_blobs([found[i] for i in ids], self.dim)

    def vectors_found(self, ids) -> dict[int, np.ndarray]:
        """The stored vectors of those of these passages that are still stored: a passage another
        request deleted after it was retrieved is simply absent."""
        found = self._blobs([int(i) for i in ids])
        return dict(zip(found, from_blobs(list(found.values()), self.dim))) if found else {}

    def _blobs(self, ids: list[int]) -> dict[int, bytes]:
        found = {}
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            marks = ", ".join("?" * len(chunk))
            found.update(self._conn.execute(f"SELECT id, vector FROM passages WHERE id IN ({marks})", chunk))
        return found

    def apply(self, generation, added_ids, added_vectors, removed_ids) -> None:
        """Bring the cache to a just-committed generation by applying its delta in memory."""
        try:
            dead = self.dead | set(removed_ids)
            size_after = self.index.ntotal - len(dead) + len(added_ids)
            if (dead and self.state.kind == "hnsw") or ann.needs_rebuild(self.state, self.params, size_after):
                self.rebuild()  # HNSW cannot remove; an IVF may now be trainable. Reads the committed rows.
                return
            if dead:
                self.index.remove_ids(np.fromiter(dead, dtype=np.int64, count=len(dead)))
            if added_ids:
                self.index.add_with_ids(np.vstack(added_vectors), np.asarray(added_ids, dtype=np.int64))
            self.dead, self.generation, self.dirty, self._file_meta = set(), generation, True, None
        except BaseException:
            # SQLite is committed but the index is now of unknown shape: drop it, the next call rebuilds.
            self.index, self.generation = None, None
            raise

    def forget(self, generation, ids) -> None:
        """After a committed delete: tombstone the ids and save, compacting if they pile up."""
        self.dead |= set(ids)
        self.generation = generation
        if len(self.dead) > min(TOMBSTONE_MAX, max(TOMBSTONE_MIN, TOMBSTONE_MAX_FRACTION * self.index.ntotal)):
            self.apply(generation, [], [], [])  # removes the tombstoned vectors, or rebuilds an HNSW
            self.persist()
        elif self.dirty or self._file_meta is None:
            self.persist()
        else:
            # The FAISS file already holds these vectors: only the sidecar learns the new
            # generation and tombstones, so a delete does not rewrite a large file.
            meta = {**self._file_meta, **self._sidecar_meta()}
            meta.pop("format", None)
            persist.write_sidecar(self.data_dir, meta)
            self._file_meta = meta

    def persist(self) -> None:
        try:
            self._file_meta = persist.write_index(self.data_dir, self.index, self._sidecar_meta())
        except OSError as exc:
            # SQLite already holds the change; only the cache file is behind, and open() rebuilds it.
            raise RecoupeError(
                f"the change is stored, but writing {self.data_dir / persist.FAISS_NAME} failed "
                f"({exc.strerror or exc}); the next open rebuilds it from the database"
            ) from exc
        self.dirty = False

    def _sidecar_meta(self) -> dict:
        return {
            "generation": self.generation[0],
            "token": self.generation[1],
            "dim": self.dim,
            **self.params.build_fingerprint(),
            "state": self.state.to_dict(),
            "deleted_ids": sorted(self.dead),
            "written_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }

    def _install(self, index, state, generation, dead, *, dirty: bool) -> None:
        self.index, self.state, self.generation, self.dead = index, state, generation, dead
        self.dirty = dirty
        self._file_meta = None
