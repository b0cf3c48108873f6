"""Reading JSON request bodies and writing JSON responses, the same way for every view."""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from urllib.parse import quote

from flask import current_app, request
from marshmallow import Schema
from werkzeug.exceptions import RequestEntityTooLarge

from service.errors import InvalidInput, RecoupeError
from service.translations import N_


class NotJson(RecoupeError):
    """A body sent without the JSON media type (the same `type` as the HTTP layer's other 415s)."""

    status = 415
    kind = "unsupported-media-type"


# Each message is a gettext message with its values apart (RecoupeError's `values`), so that the API says it in
# the reader's language; the JSON parser's own (English) words travel in the problem's `detail`, never translated.
NOT_JSON = N_("send the body as JSON with the header Content-Type: application/json (got %(got)s)")
NO_CONTENT_TYPE = N_("send the body as JSON with the header Content-Type: application/json (the request has none)")
EMPTY = N_("the request body is empty; send a JSON object")
TOO_DEEP = N_("the request body is not valid JSON: it is nested too deeply")
TOO_MANY_DIGITS = N_("the request body holds a number with too many digits (over %(limit)s)")
NOT_UTF = N_("the request body is not valid JSON: it is not UTF-8 text")
MALFORMED = N_("the request body is not valid JSON (the fault is at line %(line)s, column %(column)s)")
NOT_JSON_TEXT = N_("the request body is not valid JSON")
NOT_A_VALUE = N_("the request body is not valid JSON: %(value)s is not a JSON value; send a number or null")


def json_body():
    """The request body parsed as JSON, or a problem: 415 not JSON, 413 too large, 400 malformed."""
    if not request.is_json:
        raise NotJson(NOT_JSON, values={"got": request.mimetype}) if request.mimetype else NotJson(NO_CONTENT_TYPE)
    raw = _body()
    if not raw.strip():
        raise InvalidInput(EMPTY)
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise InvalidInput(TOO_DEEP) from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(MALFORMED, values={"line": exc.lineno, "column": exc.colno},
                           detail={"parser": exc.msg, "line": exc.lineno, "column": exc.colno}) from None
    except UnicodeDecodeError:
        raise InvalidInput(NOT_UTF) from None
    except ValueError as exc:  # an integer too long to read (Python's int_max_str_digits)
        if "integer string conversion" in str(exc) or "int_max_str_digits" in str(exc):
            raise InvalidInput(TOO_MANY_DIGITS, values={"limit": sys.get_int_max_str_digits()}) from None
        raise InvalidInput(NOT_JSON_TEXT, detail={"parser": str(exc)}) from None


def _body() -> bytes:
    """The whole body, or 413 when it is over MAX_CONTENT_LENGTH, announced (Content-Length) or not (chunked).

    Werkzeug stops reading a chunked body at the limit without saying so, which
    would hand the view the first megabyte as if it were all: read one byte past
    the limit from the server's (terminated) stream instead."""
    limit = request.max_content_length
    if request.content_length is None and limit is not None and request.environ.get("wsgi.input_terminated"):
        raw = request.environ["wsgi.input"].read(limit + 1)
        if len(raw) > limit:
            raise RequestEntityTooLarge()
        return raw
    return request.get_data(cache=True)  # Content-Length over MAX_CONTENT_LENGTH: 413


def load_body(schema: Schema, *, many: bool = False):
    return schema.load(json_body(), many=many)


def load_query(schema: Schema):
    return schema.load(request.args.to_dict())


def respond(schema: Schema, obj, status: int = 200, headers=None):
    body = current_app.json.dumps(schema.dump(obj))
    return current_app.response_class(body, status, headers=headers, mimetype="application/json")


def _no_constant(name: str):
    """NaN, Infinity and -Infinity, which Python's parser reads but JSON does not have."""
    raise InvalidInput(NOT_A_VALUE, values={"value": name})


# A file name's characters kept as they are; any other (quotes, slashes, controls, markup) becomes "_".
_NAME_KEEPS = re.compile(r"[^\w .()+-]")
MAX_FILENAME_CHARS = 150


def attachment(filename: str) -> str:
    """A Content-Disposition for downloading `filename` (RFC 6266): the name sanitised, an ASCII
    `filename=` for old clients and the UTF-8 name in `filename*=` (RFC 8187), so that any uploaded
    name (Chinese, an apostrophe, markup) gives a valid header."""
    stem, dot, ext = unicodedata.normalize("NFC", filename).rpartition(".")
    stem, ext = (stem, ext) if dot else (ext, "")
    clean = _NAME_KEEPS.sub("_", stem).strip(" ._")[:MAX_FILENAME_CHARS] or "download"
    clean_ext = _NAME_KEEPS.sub("_", ext)[:16]
    name = f"{clean}.{clean_ext}" if clean_ext else clean
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = re.sub(r"[^A-Za-z0-9._()+-]+", "_", ascii_name).strip("._") or "download"
    if clean_ext and not ascii_name.endswith("." + clean_ext):
        ascii_name = f"{ascii_name}.{clean_ext}" if clean_ext.isascii() else ascii_name
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
