"""`recoupe ingest --ray ADDRESS PATH...`: reading, cleaning, splitting and embedding spread
over a Ray cluster with Ray Data; the store written here, in order, by this one process.

  files -> [tasks] load, clean, split into passages (articles already stored with the same
           content are skipped here, before they cost an embedding)
        -> [actor pool] embed: each actor loads the ONNX embedder once, with its threads
           set explicitly (Ray sets OMP_NUM_THREADS=1 in its workers)
        -> this process: PassageIndex.add, CHUNK_ARTICLES articles per transaction, in the
           files' order (Ray Data's preserve_order), exactly as `recoupe ingest` does.

So the crash-safety is today's: a killed ingest leaves the chunks it committed, and
running it again skips them by content hash. The files must be readable from every
node (a shared folder, or the same copy on each machine).
"""

from __future__ import annotations

import pickle
import sys
import time
from pathlib import Path

import numpy as np

from service.config import Config
from service.corpus import CHUNK_ARTICLES, IngestSummary
from service.errors import RecoupeError
from service.index import PassageIndex, persist, schema
from service.ingest.loaders import iter_files

FILES_PER_TASK = 4  # files read per load task
ARTICLES_PER_EMBED = 16  # articles per embedding call (a few hundred passages)


def _load(batch: dict, known: dict) -> dict:
    """Files -> one row per article (pickled with its passages), per error or per skipped article."""
    from service.ingest.loaders import load_file
    from service.ingest.pipeline import passages_for

    out = {"file": [], "seq": [], "kind": [], "payload": [], "error": []}

    def row(file, seq, kind, payload=b"", error=""):
        for key, value in zip(out, (file, seq, kind, payload, error)):
            out[key].append(value)

    for file, path in zip(batch["file"], batch["path"]):
        file, errors = int(file), []
        try:
            articles = load_file(path, errors=errors)
        except RecoupeError as exc:
            articles, errors = [], errors + [{"file": str(path), "error": exc.message}]
        except RecursionError:
            articles, errors = [], errors + [{"file": str(path), "error": "could not read the file: it is nested too deeply"}]
        except (OSError, UnicodeError, ValueError) as exc:
            articles, errors = [], errors + [{"file": str(path), "error": f"could not read the file: {exc}"}]
        seq = 0
        for err in errors:
            row(file, seq, "error", error=f"{err['file']}\t{err['error']}")
            seq += 1
        for article in articles:
            if known.get(article.id) == article.content_hash:
                row(file, seq, "unchanged")
            else:
                try:
                    row(file, seq, "article", pickle.dumps((article, passages_for(article))))
                except RecoupeError as exc:
                    row(file, seq, "error", error=f"{article.path or article.id}\t{exc.message}")
            seq += 1
    if not out["file"]:
        row(-1, 0, "empty")  # a batch must not come back without columns
    return out


class EmbedActor:
    """One per actor of the pool: the embedder is loaded once, then embeds batch after batch."""

    def __init__(self, config: Config):
        from service.models.embedder import Embedder
        from service.models.registry import get_models

        get_models(config)  # library settings: offline, quiet
        self.model = Embedder(config.embedder_dir, runtime=config.embedder_runtime,
                              threads=config.ray_model_threads, batch_size=config.embed_batch_size)

    def __call__(self, batch: dict) -> dict:
        texts, spans = [], []
        for kind, payload in zip(batch["kind"], batch["payload"]):
            start = len(texts)
            if kind == "article":
                texts.extend(p.text for p in pickle.loads(payload)[1])
            spans.append((start, len(texts)))
        vectors = self.model.encode_passages(texts) if texts else np.zeros((0, self.model.dim), np.float32)
        batch["vectors"] = [np.ascontiguousarray(vectors[a:b], dtype="<f4").tobytes() for a, b in spans]
        batch["dim"] = [self.model.dim] * len(spans)
        return batch


def _known_hashes(data_dir: Path) -> dict:
    db = Path(data_dir) / persist.DB_NAME
    if not db.exists():
        return {}
    conn = schema.connect(db)
    try:
        return dict(conn.execute("SELECT id, content_hash FROM articles"))
    finally:
        conn.close()


def ingest(config: Config, address: str, paths, *, actors: int = 2, progress: bool = True) -> IngestSummary:
    from service.cluster import connect

    ray = connect(address)
    files = list(iter_files(paths))
    summary = IngestSummary(files=len(files))
    if not files:
        return summary
    say = (lambda line: print(line, file=sys.stderr, flush=True)) if progress else (lambda line: None)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # the store is written in the files' order
    context.enable_progress_bars = progress
    known = _known_hashes(config.data_dir)  # shipped with each load task: id -> content hash
    ds = ray.data.from_items([{"file": i, "path": str(p)} for i, p in enumerate(files)],
                             override_num_blocks=max(1, min(len(files) // FILES_PER_TASK, 200)))
    ds = ds.map_batches(_load, fn_kwargs={"known": known}, batch_size=FILES_PER_TASK, num_cpus=0.5)
    ds = ds.map_batches(EmbedActor, fn_constructor_args=(config,), batch_size=ARTICLES_PER_EMBED,
                        concurrency=actors, num_cpus=config.ray_model_cpus)
    index, pending, started = None, [], time.perf_counter()
    try:
        for row in ds.iter_rows():
            kind = row["kind"]
            if kind == "error":
                where, _, message = row["error"].partition("\t")
                summary.errors.append({"file": where, "error": message})
            elif kind == "unchanged":
                summary.duplicates_skipped += 1
            elif kind == "article":
                article, passages = pickle.loads(row["payload"])
                dim = int(row["dim"])
                vectors = np.frombuffer(row["vectors"], dtype="<f4").reshape(len(passages), dim)
                pending.append((article, passages, vectors))
                if len(pending) >= CHUNK_ARTICLES:
                    index = index or PassageIndex.from_config(config, dim=dim)
                    _write(index, pending, summary)
                    pending = []
                    say(f"ingest --ray: {summary.articles_added + summary.articles_replaced:,} articles, "
                        f"{summary.passages_added:,} passages stored ({time.perf_counter() - started:.0f} s)")
        if pending:
            index = index or PassageIndex.from_config(config, dim=pending[0][2].shape[1])
            _write(index, pending, summary)
    finally:
        if index is not None:
            index.close()
    return summary


def _write(index: PassageIndex, items: list, summary: IngestSummary) -> None:
    report = index.add(items)
    summary.articles_added += report.articles_added
    summary.articles_replaced += report.articles_replaced
    summary.duplicates_skipped += report.articles_unchanged
    summary.passages_added += report.passages_added
