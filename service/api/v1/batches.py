"""Batches of claims: upload a claims file, follow its progress, read its triage rows, download the results.

The same work as the page's batch screen (service/history/batch.py: a file of `recoupe check`'s formats,
checked in the background, every claim saved as a check) and the same writers as `recoupe check`."""

from __future__ import annotations

from flask import Blueprint, Response, request, url_for

from service.api.auth import api_key_required
from service.api.history_schemas import BatchIn, BatchOut, BatchRowsQuery, BatchRowsResponse
from service.api.openapi import doc
from service.api.payload import attachment, load_query, respond
from service.api.services import services
from service.api.uploads import saved_uploads, sent_files
from service.check.inputs import INPUT_FORMATS
from service.errors import InvalidInput
from service.history import batch as batches
from service.limits import DEFAULT_TOP_K
from service.translations.locale import asked_language

bp = Blueprint("batches", __name__, url_prefix="/v1")

_UPLOAD = {"type": "object", "required": ["claims"], "properties": {
    "claims": {"type": "string", "format": "binary",
               "description": f"the claims file ({', '.join(INPUT_FORMATS)}; at most {batches.MAX_CLAIMS:,} claims)"},
    "top_k": {"type": "integer", "minimum": 1, "default": DEFAULT_TOP_K, "description": "passages to weigh per claim"}}}


def start_upload(form, files) -> "batches.Batch":
    """Validate the form, save the file and start the batch: what POST /v1/batches and the page's batch
    screen both run."""
    schema = BatchIn()
    options = schema.load({k: v for k, v in form.items() if k in schema.fields and v.strip()})
    sent = sent_files(files.getlist("claims"))
    if len(sent) != 1:
        raise InvalidInput(f"send one claims file ({', '.join(INPUT_FORMATS)}) in the form field `claims`")
    with saved_uploads(sent, "claims") as saved:
        (path, name), = saved
        return batches.start_batch(services().desk, path, name, options["top_k"])


@bp.post("/batches")
@doc("Check a file of claims in the background", tag="batches", body=_UPLOAD, body_media="multipart/form-data",
     responses={202: BatchOut},
     description="Every claim is checked and saved as a check; follow the Location header for progress, then "
                 "read the rows or download the results. Lines that cannot be read are listed in `bad_rows`.")
@api_key_required
def create_batch():
    batch = start_upload(request.form, request.files)
    return respond(BatchOut(), batch.to_dict(), 202, {"Location": url_for(".get_batch", batch_id=batch.id)})


@bp.get("/batches/<batch_id>")
@doc("Progress of a batch of claims", tag="batches", responses={200: BatchOut},
     description="How many claims are checked, and the batch's status.")
def get_batch(batch_id: str):
    desk = services().desk
    batch = desk.store.get_batch(batch_id)
    batches.resume_if_stale(desk, batch)  # a batch whose runner died (a server restart) is picked up again
    return respond(BatchOut(), batch.to_dict())


@bp.get("/batches/<batch_id>/rows")
@doc("The triage rows of a batch", tag="batches", query=BatchRowsQuery, responses={200: BatchRowsResponse},
     description="One row per claim of the file, with its id and other columns as sent and its saved check "
                 "(null until checked; a claim repeated from an earlier row shares that row's check and says "
                 "`same_as`), filtered by verdict of record and sorted by line, confidence or verdict (refuted "
                 "first).")
def batch_rows(batch_id: str):
    query = load_query(BatchRowsQuery())
    desk = services().desk
    batch = desk.store.get_batch(batch_id)
    descending = query.get("order", "desc" if query["sort"] == "confidence" else "asc") == "desc"
    rows = desk.store.batch_rows(batch_id, query.get("verdict"), query["sort"], descending)
    return respond(BatchRowsResponse(), {"batch": batch.to_dict(), "rows": [
        {"line": r.line_no, "key": r.key, "claim": r.claim, "id": r.row_id, "columns": r.extra,
         "same_as": {"line": r.same_as[0], "id": r.same_as[1]} if r.same_as else None,
         "check": r.check.summary() if r.check else None} for r in rows]})


@bp.get("/batches/<batch_id>/download/<fmt>")
@doc("Download a batch's results", tag="batches", responses={200: None}, path_values={"fmt": tuple(batches.DOWNLOADS)},
     description=f"The claims checked so far, in one of {', '.join(batches.DOWNLOADS)} (the writers of "
                 "`recoupe check`), as an attachment. The reports and ClaimReview drafts are written in the "
                 "language the request names (`?lang=fr|en` or Accept-Language), else in the claims' language.")
def batch_download(batch_id: str, fmt: str):
    # the reports and drafts in the language the request names (a page's reader), else in the claims'
    data, media, filename = batches.download(services().desk, batch_id, fmt, asked_language())
    return Response(data, mimetype=media, headers={"Content-Disposition": attachment(filename)})
