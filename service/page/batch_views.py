"""The batch screen: upload a claims file (CSV, TXT, JSONL: what `recoupe check` reads), watch it being
checked, triage the results (sort and filter by verdict and confidence; each row opens its check) and
download them in the formats of `recoupe check`. The work is `service/history/batch.py`; uploads and
downloads go through the views of POST /v1/batches and GET /v1/batches/<id>/download (service/api/v1/batches.py)."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from service.api.auth import key_configured
from service.api.services import services
from service.api.v1.batches import start_upload
from service.check.inputs import INPUT_FORMATS
from service.history import batch as batches
from service.history.store import BATCH_SORTS
from service.page.keys import key_refusal
from service.page.views import bp
from service.translations import vocabulary
from service.translations.locale import request_words
from service.verdict.types import VERDICTS


@bp.get("/batch")
def batch_home(key_refused: str | None = None):
    return render_template("batch.html", batches=services().desk.store.list_batches(), needs_key=key_configured(),
                           extensions=", ".join(INPUT_FORMATS), max_claims=batches.MAX_CLAIMS,
                           key_refused=key_refused)


@bp.post("/batch")
def batch_upload():
    refused = key_refusal()
    if refused:
        return batch_home(refused), 401
    batch = start_upload(request.form, request.files)
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
    # the file's own columns, kept through to the table: its id (when it has one) and every other column
    columns = list(dict.fromkeys(name for r in rows for name in r.extra))
    w = request_words()
    return render_template("batch_view.html", batch=batch, rows=rows, verdict=verdict, verdicts=VERDICTS,
                           sort=sort, sorts=tuple(BATCH_SORTS), descending=descending,
                           formats=tuple(batches.DOWNLOADS), has_ids=any(r.row_id is not None for r in rows),
                           columns=columns, bad_row=lambda b: vocabulary.bad_row(b.code, b.values, w))

