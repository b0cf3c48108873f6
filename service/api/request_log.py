"""One log line per request (client address, method, path, status, duration) and a request id,
and an audit log of writes.

The id comes from the client's X-Request-ID header when it is a plain token,
else is made here; it is sent back in X-Request-ID and named in 500 problems,
so a user's report can be matched to the server's log.

The audit log has one JSON line per write attempt (adding or deleting
articles, refused ones included): when, who (client address and which key:
a short hash, never the key), what (method, path, article ids), the status
and the request id. It goes to the `recoupe.audit` logger: stderr with the
rest, or the file named by the `audit_log` setting.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, request
from werkzeug.exceptions import HTTPException

from service.api.auth import UNLOCK_COOKIE, unlock_token_ok
from service.api.csrf import COOKIE as CSRF_COOKIE

log = logging.getLogger("recoupe.api")
audit = logging.getLogger("recoupe.audit")
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Writes outside the articles blueprint: reviews and the workflow, fact-checks, the page's uploads, deletions,
# edits and review bar, and the key screen (where a key can be guessed).
_AUDITED = {"checks.add_review", "checks.undo_review", "checks.set_workflow", "page.corpus_upload",
            "page.corpus_delete", "page.corpus_retract", "page.article_metadata", "page.batch_upload",
            "page.claims_batch", "page.check_workflow", "page.review_check", "page.unlock", "batches.create_batch",
            "factchecks.import_fact_checks", "factchecks.delete_fact_check"}
_TOKEN = re.compile(r"[A-Za-z0-9._-]{1,64}")


def configure_logging() -> None:
    """Log `recoupe.*` at INFO to stderr, unless the host program set logging up itself."""
    logger = logging.getLogger("recoupe")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    if not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"))
        logger.addHandler(handler)


def configure_audit_log(path: str) -> None:
    """Send the audit log to `path` (JSON lines, appended) instead of stderr."""
    if not path or any(getattr(h, "baseFilename", None) == str(_resolved(path)) for h in audit.handlers):
        return
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    audit.addHandler(handler)
    audit.propagate = False
    audit.setLevel(logging.INFO)


def _resolved(path: str):
    from pathlib import Path

    return Path(path).resolve()


def init_request_log(app: Flask) -> None:
    @app.before_request
    def _start():
        g.started = time.perf_counter()
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _TOKEN.fullmatch(given) else uuid.uuid4().hex[:16]

    @app.after_request
    def _finish(response):
        started = g.get("started")
        took_ms = (time.perf_counter() - started) * 1000 if started is not None else 0.0
        rid = g.get("request_id", "-")
        response.headers["X-Request-ID"] = rid
        path = request.path.encode("unicode_escape").decode("ascii")  # one line per request, whatever the path
        client = request.remote_addr or "-"
        log.info("%s %s %s %d %.1f ms id=%s", client, request.method, path, response.status_code, took_ms, rid)
        if request.method in _WRITES and (request.blueprint == "articles" or request.endpoint in _AUDITED):
            _audit(response, client, rid)
        return response


def _audit(response, client: str, rid: str) -> None:
    from flask import current_app

    expected = current_app.config["RECOUPE"].api_key
    given = request.headers.get("X-API-Key", "")
    if not given:
        try:
            given = request.form.get("api_key", "")
        except HTTPException:  # a body over the limit (413) or cut short: the refusal is logged all the same
            given = None
    if given is None:
        who = "key not read (body refused)"
    elif not given:
        # a page form from a browser unlocked earlier (service/page/keys.py) carries no key: name the key it proved
        who = f"key {_fingerprint(expected)} (unlocked browser)" if _unlocked(expected) else "no key"
    elif expected and given == expected:
        who = "key " + _fingerprint(expected)
    else:
        who = "wrong key"
    ids = []
    if request.view_args and "article_id" in request.view_args:
        ids = [request.view_args["article_id"]]
    elif response.status_code < 300 and response.is_json:
        ids = (response.get_json(silent=True) or {}).get("ids", [])
    record = {"time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "client": client, "who": who,
              "method": request.method, "path": request.path, "status": response.status_code,
              "articles": ids[:64], "request_id": rid}
    audit.info(json.dumps(record, ensure_ascii=True))


def _fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def _unlocked(expected: str | None) -> bool:
    return bool(expected) and unlock_token_ok(request.cookies.get(UNLOCK_COOKIE, ""), request.cookies.get(CSRF_COOKIE, ""))
