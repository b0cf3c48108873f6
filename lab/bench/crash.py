"""`recoupe bench crash --kills N`: kill -9 `recoupe ingest` at random moments, then check the store.

A corpus of `articles` articles (the seeds, and articles made of their
sentences in new orders, written as .json files) is first ingested cleanly
into one folder: the reference. Then, into a second folder, `recoupe ingest`
is started and killed with SIGKILL at a random moment, `kills` times; about
one kill in three is aimed instead at the moment the SQLite commit is done
and the FAISS file not yet written (the index's generation ahead of its
sidecar). After every kill the store is opened as the server would open it
and checked: SQLite's integrity check, every stored article complete (its
passages and offsets those of the reference), no duplicate, as many FAISS
vectors as passages. Finally an ingest runs to completion and the whole
store must equal the reference.

Targets (issue 12): 50 kills, 0 corrupt stores, 0 lost or duplicated articles.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from service.config import REPO_ROOT


def _corpus(folder: Path, articles: int, seed: int) -> None:
    from service.ingest.segment import split_sentences

    rng = random.Random(seed)
    sentences = []
    for path in sorted((REPO_ROOT / "seeds").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        sentences += [text[a:b] for a, b in split_sentences(text) if len(text[a:b].split()) >= 5]
    folder.mkdir(parents=True)
    for n in range(articles):
        picked = rng.sample(sentences, k=min(len(sentences), rng.randint(8, 20)))
        record = {"id": f"crash-{n:04d}", "title": f"Article {n}", "source": f"source-{n % 7}",
                  "text": " ".join(picked) + f" Ce texte porte le numéro {n}."}
        (folder / f"crash-{n:04d}.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")


def _ingest_command(data_dir: Path, folder: Path) -> list[str]:
    return [sys.executable, "-m", "service.cli.main", "--data-dir", str(data_dir), "ingest", str(folder), "--json"]


def _snapshot(data_dir: Path) -> dict:
    """article id -> (content hash, [(position, text, start, end)]) read straight from SQLite."""
    conn = sqlite3.connect(f"file:{data_dir / 'recoupe.sqlite3'}?mode=ro", uri=True, timeout=60)
    try:
        out = {}
        for (article_id, content_hash) in conn.execute("SELECT id, content_hash FROM articles"):
            rows = conn.execute('SELECT position, text, start, "end" FROM passages WHERE article_id = ? '
                                "ORDER BY position", (article_id,)).fetchall()
            out[article_id] = (content_hash, rows)
        return out
    finally:
        conn.close()


def _generations(data_dir: Path) -> tuple[str | None, str | None]:
    """(the store's generation, the FAISS sidecar's), to catch the moment between commit and FAISS write."""
    try:
        conn = sqlite3.connect(f"file:{data_dir / 'recoupe.sqlite3'}?mode=ro", uri=True, timeout=1)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        finally:
            conn.close()
        meta = json.loads((data_dir / "passages.faiss.json").read_text())
    except (sqlite3.Error, OSError, ValueError):
        return None, None
    store = row[0] if row else None
    side = f"{meta.get('generation')}:{meta.get('token')}" if "generation" in meta else None
    return store, side


def _check(data_dir: Path, reference: dict, dim: int) -> dict:
    from service.index import PassageIndex

    problems = []
    conn = sqlite3.connect(f"file:{data_dir / 'recoupe.sqlite3'}?mode=ro", uri=True, timeout=60)
    try:
        if conn.execute("PRAGMA integrity_check").fetchall() != [("ok",)]:
            problems.append("integrity check failed")
        dupes = conn.execute("SELECT COUNT(*) - COUNT(DISTINCT article_id || ':' || position) FROM passages").fetchone()[0]
        if dupes:
            problems.append(f"{dupes} duplicated passages")
    finally:
        conn.close()
    with PassageIndex.open(data_dir, dim=dim) as index:  # as the server opens it: a stale FAISS file is rebuilt
        stats = index.stats()
    if stats["faiss_vectors"] != stats["passages"]:
        problems.append(f"{stats['faiss_vectors']} FAISS vectors for {stats['passages']} passages")
    stored = _snapshot(data_dir)
    unknown = set(stored) - set(reference)
    wrong = [a for a in set(stored) & set(reference) if stored[a] != reference[a]]
    if unknown:
        problems.append(f"{len(unknown)} articles not in the reference")
    if wrong:
        problems.append(f"{len(wrong)} articles differ from the reference (partial or altered)")
    return {"articles": len(stored), "problems": problems}


def run(config, *, kills: int = 50, articles: int = 120, seed: int = 0, log=print) -> dict:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="recoupe-crash-") as tmp:
        tmp = Path(tmp)
        folder = tmp / "articles"
        _corpus(folder, articles, seed)
        reference_dir, crash_dir = tmp / "reference", tmp / "crashed"
        env = {**os.environ, "RECOUPE_MODELS_DIR": str(config.models_dir)}
        t0 = time.perf_counter()
        subprocess.run(_ingest_command(reference_dir, folder), env=env, check=True, capture_output=True)
        clean_seconds = time.perf_counter() - t0
        reference = _snapshot(reference_dir)
        from service.index.persist import DB_NAME

        conn = sqlite3.connect(reference_dir / DB_NAME)
        dim = int(conn.execute("SELECT value FROM meta WHERE key = 'dim'").fetchone()[0])
        conn.close()
        log(f"reference: {len(reference)} articles in {clean_seconds:.1f} s; now {kills} kills")
        records, corrupt, between = [], 0, 0
        for n in range(kills):
            if (crash_dir / DB_NAME).exists() and len(_snapshot(crash_dir)) == len(reference):
                # Everything is in: start over, so that each kill lands in a real ingest.
                for path in crash_dir.iterdir():
                    path.unlink()
            aim_between = n % 3 == 2
            proc = subprocess.Popen(_ingest_command(crash_dir, folder), env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            landed_between = False
            if aim_between:
                deadline = time.monotonic() + clean_seconds * 2
                while proc.poll() is None and time.monotonic() < deadline:
                    store, side = _generations(crash_dir)
                    if store and side and store != side:
                        proc.send_signal(signal.SIGKILL)
                        landed_between = True
                        break
                    time.sleep(0.002)
            else:
                time.sleep(rng.uniform(0.5, clean_seconds))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
            proc.wait()
            between += landed_between
            check = _check(crash_dir, reference, dim) if (crash_dir / DB_NAME).exists() else {"articles": 0, "problems": []}
            corrupt += bool(check["problems"])
            records.append({"kill": n + 1, "between_commit_and_faiss": landed_between, **check})
            if check["problems"]:
                log(f"kill {n + 1}: {check['problems']}")
        final = subprocess.run(_ingest_command(crash_dir, folder), env=env, capture_output=True, text=True)
        final_check = _check(crash_dir, reference, dim)
        final_snapshot = _snapshot(crash_dir)
        identical = final_snapshot == reference
    return {
        "kills": kills, "articles": len(reference), "clean_ingest_seconds": round(clean_seconds, 1),
        "kills_between_commit_and_faiss_write": between,
        "corrupt_or_inconsistent_after_a_kill": corrupt,
        "final_ingest_exit_status": final.returncode,
        "final_store_identical_to_clean_ingest": identical,
        "final_problems": final_check["problems"],
        "lost_articles": len(set(reference) - set(final_snapshot)),
        "per_kill": records,
        "targets": {"no_corrupt_store": corrupt == 0 and not final_check["problems"],
                    "nothing_lost_or_duplicated": identical},
    }

