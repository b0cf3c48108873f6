"""The batch screen: upload a claims file (CSV, TXT, JSONL: what `recoupe check` reads), watch it being
checked, triage the results (sort and filter by verdict and confidence; each row opens its check) and
download them in the formats of `recoupe check`. The work is `service/history/batch.py`."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Response, redirect, render_template, request, url_for
from werkzeug.utils import secure_filename

from service.api.auth import check_key, key_configured
from service.api.schemas import MAX_TOP_K
from service.api.services import services
from service.check.inputs import INPUT_FORMATS
from service.errors import InvalidInput
from service.history import batch as batches
from service.history.store import BATCH_SORTS
from service.page.views import bp
from service.verdict.types import VERDICTS


@bp.get("/batch")
def batch_home():
    return render_template("batch.html", batches=services().desk.store.list_batches(), needs_key=key_configured(),
                           extensions=", ".join(INPUT_FORMATS), max_claims=batches.MAX_CLAIMS)


@bp.post("/batch")
def batch_upload():
    check_key(request.form.get("api_key", ""), "in the form's API key field")
    upload = request.files.get("claims")
    if upload is None or not upload.filename:
        raise InvalidInput("choose a claims file to upload (.csv, .jsonl or .txt)")
    top_k = request.form.get("top_k", "10").strip() or "10"
    if not top_k.isdigit() or not 1 <= int(top_k) <= MAX_TOP_K:
        raise InvalidInput(f"top_k must be between 1 and {MAX_TOP_K}")
    name = secure_filename(upload.filename) or "claims.txt"
    with tempfile.TemporaryDirectory(prefix="recoupe-batch-") as tmp:
        path = Path(tmp) / name
        upload.save(path)
        batch = batches.start_batch(services().desk, path, upload.filename, int(top_k))
    return redirect(url_for(".batch_view", batch_id=batch.id), 303)


@bp.get("/batches/<batch_id>")
def batch_view(batch_id: str):
    desk = services().desk
    batch = desk.store.get_batch(batch_id)
    batches.resume_if_stale(desk, batch)
    verdict = request.args.get("verdict") or None
    verdict = verdict if verdict in VERDICTS else None
    sort = request.args.get("sort", "line")
    sort = sort if sort in BATCH_SORTS else "line"
    descending = request.args.get("order", "desc" if sort == "confidence" else "asc") == "desc"
    rows = desk.store.batch_rows(batch_id, verdict, sort, descending)
    return render_template("batch_view.html", batch=batch, rows=rows, verdict=verdict, verdicts=VERDICTS,
                           sort=sort, sorts=tuple(BATCH_SORTS), descending=descending,
                           formats=tuple(batches.DOWNLOADS))


@bp.get("/batches/<batch_id>/download/<fmt>")
def batch_download(batch_id: str, fmt: str):
    data, media, filename = batches.download(services().desk, batch_id, fmt)
    return Response(data, mimetype=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
