"""The What to check screen: paste or upload a text, see its sentences ranked by check-worthiness
(`checkworthy.extract`, the function of POST /v1/claims/extract), tick some and send them to a
batch check in one click (`history.batch.start_batch`, as the batch screen's upload)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import redirect, render_template, request, url_for
from marshmallow import ValidationError

from service.api.auth import key_configured
from service.api.factcheck_schemas import ExtractRequest
from service.api.services import services
from service.api.uploads import saved_uploads, sent_files
from service.api.v1.claims import finder
from service.errors import InvalidInput
from service.history import batch as batches
from service.limits import DEFAULT_TOP_K
from service.page.i18n import field_errors
from service.page.keys import key_refusal
from service.page.views import bp
from service.translations import N_

SHOWN = 50  # sentences shown by default


@bp.get("/claims")
def claims_home():
    return _screen(text="", top=SHOWN)


@bp.post("/claims")
def claims_rank():
    text = request.form.get("text", "")
    files = sent_files(request.files.getlist("file"))
    if files:
        from service.checkworthy.extract import read_text_file

        with saved_uploads(files[:1], "text") as saved:
            (path, _), = saved
            text = read_text_file(path)
    top = request.form.get("top", "").strip()
    data = {"text": text, **({"top": int(top) if top.isdigit() else top} if top else {})}
    try:
        body = ExtractRequest().load(data)
    except ValidationError:
        return _screen(text=text, top=top or SHOWN, error=field_errors({"text": []})[0]), 400
    result = finder().extract(body["text"], body.get("top", SHOWN))
    return _screen(text=text, top=body.get("top", SHOWN), result=result)


@bp.post("/claims/batch")
def claims_batch():
    """The ticked sentences become a batch of claims, one a line, checked like an uploaded file."""
    refused = key_refusal()
    if refused:  # the ranked sentences again, as ticked, with the reason beside the focused key field
        return _ranked_again(refused), 401
    claims = [" ".join(c.split()) for c in request.form.getlist("claims") if c.strip()]
    if not claims:
        raise InvalidInput(N_("Tick at least one sentence to check."))
    top_k = request.form.get("top_k", str(DEFAULT_TOP_K)).strip()
    if not top_k.isdigit():
        raise InvalidInput(N_("Passages to weigh (top k) must be a whole number."))
    with tempfile.TemporaryDirectory(prefix="recoupe-claims-") as tmp:
        path = Path(tmp) / "claims.txt"
        path.write_text("\n".join(claims) + "\n", encoding="utf-8")
        batch = batches.start_batch(services().desk, path, "claims.txt", int(top_k))
    return redirect(url_for(".batch_view", batch_id=batch.id), 303)


def _ranked_again(key_refused: str):
    """The screen the batch form was sent from: its text (a hidden field of that form) ranked again, the
    sentences ticked as they were."""
    text = request.form.get("text", "")
    top = request.form.get("top", "").strip()
    top = int(top) if top.isdigit() else SHOWN
    try:
        body = ExtractRequest().load({"text": text, "top": top})
    except ValidationError:  # nothing to rank again: the reason on the text's form
        return _screen(text=text, top=top, error=key_refused)
    return _screen(text=text, top=top, result=finder().extract(body["text"], body["top"]),
                   ticked=set(request.form.getlist("claims")), key_refused=key_refused)


def _screen(text: str, top, result=None, error: str | None = None, ticked: set[str] | None = None,
            key_refused: str | None = None):
    """`ticked`: the sentences ticked when the batch form was sent (None: the check-worthy ones)."""
    return render_template("claims.html", text=text, top=top, result=result, error=error,
                           needs_key=key_configured(), ticked=ticked, key_refused=key_refused)
