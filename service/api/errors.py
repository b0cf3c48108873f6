"""Every failure of the HTTP layer as one `application/problem+json` shape.

    {"type": "invalid-input", "title": "<what went wrong and what to do>",
     "status": 400, "detail": {...}?, "errors": {"claim": ["..."]}?}

`type` is a short kind (`RecoupeError.kind` for the project's own errors),
`title` the message a person can act on, `detail` optional structured facts
(`RecoupeError.detail`), `errors` marshmallow's field-level messages; a
refused article adds `code` and `values`, why in machine terms
(service/ingest/reasons.py), from which `title` is worded. The
shape is `RecoupeError.to_dict()`'s, so a failure reads the same in the CLI
and over HTTP. An unexpected exception is logged with its stack trace and
answered with a 500 problem that names the request id, never the trace.

`title` and the messages of `errors` are in the request's language (?lang,
cookie, Accept-Language, service/translations/locale.py) when the catalogue
has them; `type`, `status`, field names and `detail` never change with it, so
a client decides on those. The log keeps the English message.
"""

from __future__ import annotations

import json
import logging
import sqlite3

from flask import Flask, Response, current_app, g, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from service.errors import RecoupeError
from service.translations import DEFAULT, N_, Words
from service.translations.locale import request_words
from service.translations.messages import Message, error_text

PROBLEM_JSON = "application/problem+json"

log = logging.getLogger("recoupe.api")


class Unauthorized(RecoupeError):
    status = 401
    kind = "unauthorized"
    headers = {"WWW-Authenticate": 'ApiKey header="X-API-Key"'}


class Unavailable(RecoupeError):
    status = 503
    kind = "unavailable"


def problem(status: int, kind: str, title: str, *, detail=None, errors=None, headers=None,
            reason: dict | None = None) -> Response:
    body = {"type": kind, "title": title, "status": status}
    if reason:  # why, as a stable code and its values (a refused article: service/ingest/reasons.py)
        body.update(reason)
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    # ensure_ascii: a problem may echo what the client sent (an unknown field's
    # name), and a lone surrogate in it must not break the error response itself.
    return Response(json.dumps(body, ensure_ascii=True, default=str), status, headers=headers, mimetype=PROBLEM_JSON)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(RecoupeError, _recoupe_error)
    app.register_error_handler(ValidationError, _validation_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(sqlite3.DatabaseError, _damaged_store)
    app.register_error_handler(Exception, _unexpected)


def _damaged_store(exc: sqlite3.DatabaseError) -> Response:
    """Damage the check at open could not see (a store over its size bound): the same message as the CLI's."""
    from service.index.schema import damaged

    return _recoupe_error(damaged("the data store", str(exc)))


def _recoupe_error(exc: RecoupeError) -> Response:
    if exc.status == 500:  # the project's own "should not happen": keep the trace for the log
        log.error("%s %s failed (request %s): %s", request.method, request.path, _rid(), exc.message, exc_info=exc)
    elif exc.status > 500:
        log.warning("%s %s: %s (request %s)", request.method, request.path, exc.message, _rid())
    body = exc.to_dict()
    title = error_text(exc, request_words()) or exc.message  # English where the catalogue lacks the message
    reason = exc.to_reason() if hasattr(exc, "to_reason") else None
    return problem(body["status"], body["type"], title, detail=body.get("detail"),
                   headers=getattr(exc, "headers", None), reason=reason)


def _validation_error(exc: ValidationError) -> Response:
    w = request_words()
    errors = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    errors = _translated(errors, w)
    return problem(400, "invalid-input", _summarise(errors, w), errors=errors)


def _http_error(exc: HTTPException) -> Response:
    if exc.code is None or exc.code < 400:  # redirects are responses, not problems
        return exc.get_response()
    if _for_the_page():
        from service.page.errors import http_error_page

        return http_error_page(exc, _http_title(exc, request_words()))
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    kind = (exc.name or "error").lower().replace(" ", "-")
    return problem(exc.code, kind, _http_title(exc, request_words()), headers=headers)


API_PREFIX = "/v1"


def _for_the_page() -> bool:
    """Whether a failure that no view answered (an unknown address, a method, a form over the size limit) is a
    reader's, answered with the page's error screen: never under /v1; always for the page's own addresses;
    elsewhere when the client asks for HTML first (a browser), so that a script still gets the problem JSON."""
    path = request.path
    if "page" not in current_app.blueprints or path == API_PREFIX or path.startswith(API_PREFIX + "/"):
        return False
    if request.blueprint == "page":
        return True
    return request.accept_mimetypes.best_match([PROBLEM_JSON, "application/json", "text/html"]) == "text/html"


def _unexpected(exc: Exception) -> Response:
    rid = _rid()
    log.error("unexpected error in %s %s (request %s)", request.method, request.path, rid, exc_info=exc)
    return problem(500, "internal-error", request_words().gettext(
        "an unexpected error occurred; it was logged on the server under request id %(rid)s", rid=rid))


def _http_title(exc: HTTPException, w: Words) -> str:
    """The sentence for an HTTP failure that no view raised (an unknown route, a method, a limit)."""
    code = exc.code
    if code == 404:
        return w.gettext("there is no %(path)s here; the API's routes are listed at /v1/docs", path=request.path)
    if code == 405:
        allowed = ", ".join(sorted(m for m in (exc.valid_methods or []) if m not in ("HEAD", "OPTIONS")))
        return w.gettext("%(method)s is not allowed on %(path)s; use %(allowed)s", method=request.method,
                         path=request.path, allowed=allowed)
    if code == 429:
        return w.gettext("too many requests from this client (limit: %(limit)s); wait the number of seconds "
                         "in the Retry-After header, then retry", limit=_limit_words(exc, w))
    if code == 413:
        limit = (request.max_content_length or 0) / 2**20
        return w.gettext("the request body is over the %(limit)s MB limit; send fewer or shorter items per "
                         "request", limit=w.number(limit, 0 if limit == int(limit) else 1))
    if exc.description and w.has(exc.description):
        return w.gettext(exc.description)
    return exc.description or exc.name


# The rate limiter's periods (the `limits` library's granularities), for "10 per 1 minute", in the reader's words.
PERIODS = {
    "second": lambda n, w: w.ngettext("%(num)s second", "%(num)s seconds", n),
    "minute": lambda n, w: w.ngettext("%(num)s minute", "%(num)s minutes", n),
    "hour": lambda n, w: w.ngettext("%(num)s hour", "%(num)s hours", n),
    "day": lambda n, w: w.ngettext("%(num)s day", "%(num)s days", n),
    "month": lambda n, w: w.ngettext("%(num)s month", "%(num)s months", n),
    "year": lambda n, w: w.ngettext("%(num)s year", "%(num)s years", n),
}


def _limit_words(exc: HTTPException, w: Words) -> str:
    """The limit that was hit ("10 per 1 minute", "10 par 1 minute"); as the rate limiter says it otherwise."""
    item = getattr(getattr(exc, "limit", None), "limit", None)
    period = PERIODS.get(getattr(getattr(item, "GRANULARITY", None), "name", None))
    if period is None:
        return exc.description
    return w.gettext("%(amount)s per %(period)s", amount=w.number(item.amount, 0), period=period(item.multiples, w))


# marshmallow's own messages for a field (its English), here so that the catalogue has them in French.
MARSHMALLOW_MESSAGES = (
    N_("Missing data for required field."), N_("Field may not be null."), N_("Invalid value."),
    N_("Not a valid string."), N_("Not a valid utf-8 string."), N_("Not a valid integer."),
    N_("Special numeric values (nan or infinity) are not permitted."), N_("Not a valid number."),
    N_("Number too large."), N_("Not a valid list."), N_("Not a valid boolean."), N_("Invalid type."),
    N_("Not a valid mapping type."), N_("Invalid input type."), N_("Unknown field."))


def _translated(messages, w: Words):
    """marshmallow's nested {field: [message]} with each message the catalogue has in `w`'s language."""
    if isinstance(messages, dict):
        return {name: _translated(value, w) for name, value in messages.items()}
    if isinstance(messages, list):
        return [_translated(m, w) for m in messages]
    if isinstance(messages, Message):  # a validator's message with its numbers apart (api/validators.py)
        return messages.text_in(w)
    if isinstance(messages, str) and w.lang != DEFAULT and w.has(messages):
        return w.gettext(messages)
    return messages


def _summarise(errors: dict, w: Words) -> str:
    if set(errors) == {"_schema"}:
        return w.gettext("the request body is not what this endpoint expects: %(problem)s",
                         problem=_first(errors["_schema"]))
    parts = [_first({name: msgs}) for name, msgs in list(errors.items())[:3]]
    if len(errors) > 3:
        return w.ngettext("invalid request: %(problems)s (and %(num)s more)",
                          "invalid request: %(problems)s (and %(num)s more)", len(errors) - 3,
                          problems="; ".join(parts))
    return w.gettext("invalid request: %(problems)s", problems="; ".join(parts))


def _first(messages) -> str:
    """'claims[3]: message' from marshmallow's nested {field: [msg]} / {index: {...}} messages."""
    name = ""
    while isinstance(messages, dict) and messages:
        key, messages = next(iter(messages.items()))
        name += f"[{key}]" if isinstance(key, int) else (f".{key}" if name else str(key))
    if isinstance(messages, list) and messages:
        messages = messages[0]
    text = str(messages).rstrip(".")
    return f"{name}: {text}" if name else text


def _rid() -> str:
    return getattr(g, "request_id", "-")
