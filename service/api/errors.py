"""Every failure of the HTTP layer as one `application/problem+json` shape.

    {"type": "invalid-input", "title": "<what went wrong and what to do>",
     "status": 400, "detail": {...}?, "errors": {"claim": ["..."]}?}

`type` is a short kind (`RecoupeError.kind` for the project's own errors),
`title` the message a person can act on, `detail` optional structured facts
(`RecoupeError.detail`), `errors` marshmallow's field-level messages. The
shape is `RecoupeError.to_dict()`'s, so a failure reads the same in the CLI
and over HTTP. An unexpected exception is logged with its stack trace and
answered with a 500 problem that names the request id, never the trace.
"""

from __future__ import annotations

import json
import logging
import sqlite3

from flask import Flask, Response, g, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from service.errors import RecoupeError

PROBLEM_JSON = "application/problem+json"

log = logging.getLogger("recoupe.api")


class Unauthorized(RecoupeError):
    status = 401
    kind = "unauthorized"
    headers = {"WWW-Authenticate": 'ApiKey header="X-API-Key"'}


class Unavailable(RecoupeError):
    status = 503
    kind = "unavailable"


def problem(status: int, kind: str, title: str, *, detail=None, errors=None, headers=None) -> Response:
    body = {"type": kind, "title": title, "status": status}
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
    return problem(body["status"], body["type"], body["title"], detail=body.get("detail"),
                   headers=getattr(exc, "headers", None))


def _validation_error(exc: ValidationError) -> Response:
    errors = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    return problem(400, "invalid-input", _summarise(errors), errors=errors)


def _http_error(exc: HTTPException) -> Response:
    if exc.code is None or exc.code < 400:  # redirects are responses, not problems
        return exc.get_response()
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    kind = (exc.name or "error").lower().replace(" ", "-")
    return problem(exc.code, kind, _http_title(exc), headers=headers)


def _unexpected(exc: Exception) -> Response:
    rid = _rid()
    log.error("unexpected error in %s %s (request %s)", request.method, request.path, rid, exc_info=exc)
    return problem(
        500, "internal-error", f"an unexpected error occurred; it was logged on the server under request id {rid}"
    )


def _http_title(exc: HTTPException) -> str:
    code = exc.code
    if code == 404:
        return f"there is no {request.path} here; the API's routes are listed at /v1/docs"
    if code == 405:
        allowed = ", ".join(sorted(m for m in (exc.valid_methods or []) if m not in ("HEAD", "OPTIONS")))
        return f"{request.method} is not allowed on {request.path}; use {allowed}"
    if code == 429:
        return (f"too many requests from this client (limit: {exc.description}); wait the number of seconds "
                "in the Retry-After header, then retry")
    if code == 413:
        limit = (request.max_content_length or 0) / 2**20
        return f"the request body is over the {limit:g} MB limit; send fewer or shorter items per request"
    return exc.description or exc.name


def _summarise(errors: dict) -> str:
    if set(errors) == {"_schema"}:
        return f"the request body is not what this endpoint expects: {_first(errors['_schema'])}"
    parts = [_first({name: msgs}) for name, msgs in list(errors.items())[:3]]
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return "invalid request: " + "; ".join(parts) + more


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
