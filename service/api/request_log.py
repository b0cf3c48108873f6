"""One log line per request (method, path, status, duration) and a request id.

The id comes from the client's X-Request-ID header when it is a plain token,
else is made here; it is sent back in X-Request-ID and named in 500 problems,
so a user's report can be matched to the server's log.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, g, request

log = logging.getLogger("recoupe.api")
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
        log.info("%s %s %d %.1f ms id=%s", request.method, path, response.status_code, took_ms, rid)
        return response
