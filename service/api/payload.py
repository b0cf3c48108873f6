"""Reading JSON request bodies and writing JSON responses, the same way for every view."""

from __future__ import annotations

import json

from flask import current_app, request
from marshmallow import Schema
from werkzeug.exceptions import UnsupportedMediaType

from service.errors import InvalidInput


def json_body():
    """The request body parsed as JSON, or a problem: 415 not JSON, 413 too large, 400 malformed."""
    if not request.is_json:
        raise UnsupportedMediaType(
            f"send the body as JSON with the header Content-Type: application/json "
            f"(got {request.mimetype or 'no Content-Type'})"
        )
    raw = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH: 413
    if not raw.strip():
        raise InvalidInput("the request body is empty; send a JSON object")
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise InvalidInput("the request body is not valid JSON: it is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, an integer too long to read
        raise InvalidInput(f"the request body is not valid JSON: {exc}") from None


def load_body(schema: Schema, *, many: bool = False):
    return schema.load(json_body(), many=many)


def load_query(schema: Schema):
    return schema.load(request.args.to_dict())


def respond(schema: Schema, obj, status: int = 200, headers=None):
    body = current_app.json.dumps(schema.dump(obj))
    return current_app.response_class(body, status, headers=headers, mimetype="application/json")


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON value")
