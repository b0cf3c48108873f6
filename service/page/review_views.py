"""The check page's review bar: one form that reviews the selected evidence card (accept, reject, give the
stance, undo), instead of a form on every card. It works without JavaScript (the passage is chosen in the
bar's menu); the page's script only selects the focused card and sends the bar from the keyboard. The work is
`Desk.review` and `Desk.undo`, what POST and DELETE /v1/checks/<id>/reviews run, with the same rules
(`ReviewIn`); the bar needs the API key when the server has one, unless this browser is unlocked."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_babel import gettext

from service.api.history_schemas import ReviewIn
from service.api.services import services
from service.history.store import MAX_NOTE_CHARS, MAX_REVIEWER_CHARS
from service.page.keys import key_refusal
from service.page.views import bp, check_view

REVIEWER_COOKIE = "recoupe_reviewer"  # the reviewer's name, filled in on the next review (no script needed)


def bar_values() -> dict:
    """What the bar shows: the remembered name, and the passage just reviewed (its card gets the focus)."""
    reviewed = request.args.get("reviewed", type=int)
    return {"reviewer": request.cookies.get(REVIEWER_COOKIE, "")[:MAX_REVIEWER_CHARS], "reviewed_item": reviewed,
            "max_reviewer": MAX_REVIEWER_CHARS, "max_note": MAX_NOTE_CHARS}


@bp.post("/checks/<check_id>/reviews")
def review_check(check_id: str):
    form = request.form
    item, action, reviewer = form.get("item", ""), form.get("action", ""), form.get("reviewer", "").strip()
    if not item.isdigit():
        return check_view(check_id, review_refused=gettext(
            "Choose the passage to review first: in the bar's menu, or press j to move to a card.")), 400
    if action != "undo" and not reviewer:
        return check_view(check_id, review_refused=gettext("Type your name first: it is saved with the review.")), 400
    if refused := key_refusal():
        return check_view(check_id, review_refused=refused), 401
    if action == "undo":
        services().desk.undo(check_id, int(item))
    else:
        body = ReviewIn().load({"item": int(item), "action": action, "reviewer": reviewer, "note": form.get("note", ""),
                                **({"stance": form.get("stance", "")} if action == "stance" else {})})
        services().desk.review(check_id, body["item"], body["action"], body["reviewer"], body.get("stance"),
                               body["note"])
    response = redirect(url_for(".check_view", check_id=check_id, reviewed=item) + f"#e{item}", 303)
    if reviewer:
        response.set_cookie(REVIEWER_COOKIE, reviewer, max_age=365 * 86400, samesite="Strict", httponly=True,
                            secure=request.is_secure)
    return response
