"""The check page's newsroom form: move a saved check along the workflow (to check, in progress, checked,
published) and assign it, without JavaScript. The work is `Desk.set_workflow`, what PATCH /v1/checks/<id>
runs; the form needs the API key, typed in it, when the server has one."""

from __future__ import annotations

from flask import redirect, request, url_for

from service.api.services import services
from service.page.keys import key_refusal
from service.page.views import bp, check_view


@bp.post("/checks/<check_id>/workflow")
def check_workflow(check_id: str):
    refused = key_refusal()
    if refused:
        return check_view(check_id, key_refused=refused), 401
    services().desk.set_workflow(check_id, request.form.get("status") or None, request.form.get("assignee", ""))
    return redirect(url_for(".check_view", check_id=check_id) + "#workflow", 303)
