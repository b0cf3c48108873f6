"""A file of claims checked in the background for the page: read with the reader of `recoupe check`
(service/check/inputs.py), checked in chunks through `Desk.check_many` (each claim becomes a saved check
that its row opens), written out with the writers of `recoupe check` (service/check/writers.py).

Progress lives in the history database, so any worker of the server can report it; a chunk's checks
and their rows are committed together (a crash loses the chunk in flight, never checks one twice). A batch whose runner died (the server restarted) is taken over
by the next worker that shows it, from the first row without a check.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

from service.check.inputs import BadRow, Row, read_claims
from service.check.writers import OUTPUT_FORMATS, Checked, ReportInfo, render_output
from service.errors import InvalidInput
from service.history.export import review_of
from service.translations import N_  # messages said in the reader's language (errors.py)

CHUNK = 8  # claims per pass through the models (and per transaction)
MAX_CLAIMS = 2000
STALE_AFTER = timedelta(minutes=3)  # a running batch not heard of for this long is resumed
DOWNLOADS = {"csv": ("text/csv", "csv"), "jsonl": ("application/x-ndjson", "jsonl"),
             "html": ("text/html", "html"), "md": ("text/markdown", "md"),
             "claimreview": ("application/ld+json", "jsonld")}
assert set(DOWNLOADS) == set(OUTPUT_FORMATS)

log = logging.getLogger("recoupe.batch")


def start_batch(desk, path: Path, name: str, top_k: int):
    """Read the claims file, save the batch, start checking it; returns the Batch."""
    rows, bad = [], []
    for item in read_claims(path):
        (rows if isinstance(item, Row) else bad).append(item)
    if not rows:
        # the rows' reasons go typed in the detail, for an interface to word them (vocabulary.BAD_ROWS)
        raise InvalidInput(N_("%(name)s holds no claim to check"), values={"name": name}, detail={"bad_rows": [
            {"line": b.line_no, "reason": b.reason, "code": b.code, "values": b.values} for b in bad[:50]]})
    if len(rows) > MAX_CLAIMS:
        raise InvalidInput(N_("%(name)s holds %(n)s claims; a batch checks at most %(max)s (use `recoupe check` "
                              "for more)"), values={"name": name, "n": len(rows), "max": MAX_CLAIMS})
    batch = desk.store.create_batch(name, top_k, [(r.line_no, r.key, r.claim, r.id, r.extra) for r in rows],
                                    [(b.line_no, b.reason, b.code, b.values) for b in bad])
    _spawn(desk, batch.id)
    return batch


def resume_if_stale(desk, batch) -> None:
    if batch.status != "running":
        return
    cutoff = (datetime.now(timezone.utc) - STALE_AFTER).isoformat(timespec="seconds")
    if batch.updated_at < cutoff and desk.store.claim_stale_batch(batch.id, cutoff):
        log.warning("batch %s: its runner was not heard of since %s; resuming it here", batch.id, batch.updated_at)
        _spawn(desk, batch.id)


def run_batch(desk, batch_id: str) -> None:
    store = desk.store
    try:
        top_k = store.get_batch(batch_id).top_k
        while rows := store.pending_rows(batch_id, CHUNK):
            desk.check_many([r.claim for r in rows], batch=(batch_id, [r.n for r in rows]), top_k=top_k)
        store.finish_batch(batch_id, "done")
    except Exception as exc:  # the batch says why it stopped; the checks saved so far stay
        log.exception("batch %s failed", batch_id)
        store.finish_batch(batch_id, "failed", getattr(exc, "message", None) or str(exc))


def download(desk, batch_id: str, fmt: str, language: str | None = None) -> tuple[bytes, str, str]:
    """(bytes, media type, file name) of the batch's results in one of the `recoupe check` formats, written in
    `language` (None: the claims', service/check/language.py)."""
    if fmt not in DOWNLOADS:
        raise InvalidInput(N_("unknown format %(fmt)s: use one of %(formats)s"),
                           values={"fmt": repr(fmt), "formats": ", ".join(DOWNLOADS)})
    batch = desk.store.get_batch(batch_id)
    items = [Checked(Row(r.line_no, r.key, r.claim, r.row_id, r.extra), r.check.record, review_of(r.check),
                     r.same_as[0] if r.same_as else None)
             for r in desk.store.batch_rows(batch_id) if r.check is not None]
    info = ReportInfo(batch.name, batch.created_at[:10], batch.top_k, batch.bad_rows, language=language)
    media, ext = DOWNLOADS[fmt]
    return render_output(fmt, items, info), media, f"{Path(batch.name).stem}-checked.{ext}"


def _spawn(desk, batch_id: str) -> None:
    threading.Thread(target=run_batch, args=(desk, batch_id), name=f"batch-{batch_id}", daemon=True).start()
