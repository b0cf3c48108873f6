"""Reading JSON request bodies and writing JSON responses, the same way for every view."""

from __future__ import annotations

import json
import re
import unicodedata
from urllib.parse import quote

from flask import current_app, request
from marshmallow import Schema
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from service.errors import InvalidInput


def json_body():
    """The request body parsed as JSON, or a problem: 415 not JSON, 413 too large, 400 malformed."""
    if not request.is_json:
        raise UnsupportedMediaType(
            f"send the body as JSON with the header Content-Type: application/json "
            f"(got {request.mimetype or 'no Content-Type'})"
        )
    raw = _body()
    if not raw.strip():
        raise InvalidInput("the request body is empty; send a JSON object")
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise InvalidInput("the request body is not valid JSON: it is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, an integer too long to read
        if "integer string conversion" in str(exc) or "int_max_str_digits" in str(exc):
            raise InvalidInput("the request body holds a number with too many digits (over 4,300)") from None
        raise InvalidInput(f"the request body is not valid JSON: {exc}") from None


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
    raise ValueError(f"{name} is not a JSON value")


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
