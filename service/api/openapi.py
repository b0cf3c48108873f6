"""The OpenAPI 3 document, generated from the app's own routes and the marshmallow schemas.

Each documented view carries `@doc(...)`: a summary and its schemas. Paths
and methods come from the Flask URL map, so the document cannot list a route
the app does not have, or miss the API-key guard on one that has it.
"""

from __future__ import annotations

import re
from importlib import metadata

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask

from service.api.auth import HEADER
from service.api.errors import PROBLEM_JSON
from service.api.schemas import Problem

DESCRIPTION = (
    "Check a statement against a trusted corpus of news articles: the passages that support or "
    "refute it, their stance and their sources. Every error is an application/problem+json "
    "document with `type`, `title` (what to do), `status`, and field-level `errors` when the "
    "request was invalid."
)
_PATH_ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def doc(summary: str, *, tag: str, body=None, body_media: str = "application/json", query=None, responses: dict,
        description: str | None = None, path_values: dict[str, tuple[str, ...]] | None = None):
    """Describe a view for the OpenAPI document. `body`: a schema or a JSON schema dict, sent as
    `body_media`; `responses`: {status: schema or None}; `path_values`: {path argument: its allowed values}
    (any other value is answered 400)."""

    def attach(view):
        view.__apidoc__ = {"summary": summary, "tag": tag, "body": body, "body_media": body_media, "query": query,
                           "responses": responses, "description": description, "path_values": path_values or {}}
        return view

    return attach


def build_spec(app: Flask) -> dict:
    spec = APISpec(
        title="Recoupe API",
        version=_version(),
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": DESCRIPTION, "license": {"name": "MIT"}},
    )
    spec.components.schema("Problem", schema=Problem)
    spec.components.security_scheme("ApiKey", {"type": "apiKey", "in": "header", "name": HEADER})
    paths: dict[str, dict] = {}
    config = app.config["RECOUPE"]
    limited = _limited_endpoints(app, config)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        meta = getattr(view, "__apidoc__", None)
        if meta is None:
            continue
        operations = paths.setdefault(_PATH_ARG.sub(r"{\1}", rule.rule), {})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            guarded = getattr(view, "api_key_required", False)
            operations[method.lower()] = _operation(meta, rule, guarded, enforced=bool(config.api_key),
                                                    limit=limited.get(rule.endpoint))
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _limited_endpoints(app: Flask, config) -> dict[str, str]:
    from service.api.protection import BUDGETS

    if "recoupe.limiter" not in app.extensions:
        return {}
    return {e: getattr(config, f"rate_limit_{b}") for e, b in BUDGETS.items() if getattr(config, f"rate_limit_{b}")}


def _operation(meta: dict, rule, secured: bool, *, enforced: bool = True, limit: str | None = None) -> dict:
    op = {"summary": meta["summary"], "tags": [meta["tag"]], "operationId": rule.endpoint.replace(".", "_")}
    description = meta["description"] or ""
    if secured and not enforced:
        description += (" **This server has no API key configured: the X-API-Key header is not checked, and "
                        "anyone who can reach it may call this operation.**")
    if limit:
        description += f" Rate limit per client: {limit}."
    if description:
        op["description"] = description.strip()
    params = [{"in": "path", "name": arg, "required": True, "schema": _path_schema(meta["path_values"].get(arg))}
              for arg in sorted(rule.arguments)]
    if meta["query"] is not None:
        params.append({"in": "query", "schema": meta["query"]})
    if params:
        op["parameters"] = params
    if meta["body"] is not None:
        op["requestBody"] = {"required": True, "content": {meta["body_media"]: {"schema": meta["body"]}}}
    responses = {}
    for status, schema in meta["responses"].items():
        responses[str(status)] = {"description": _REASONS.get(status, "success")}
        if status >= 400:
            schema = schema or "Problem"
        if schema is not None:
            media = PROBLEM_JSON if status >= 400 else "application/json"
            responses[str(status)]["content"] = {media: {"schema": schema}}
    errors = {500: "unexpected error (logged on the server, never a stack trace)"}
    # The HTTP layer (service/api/worker.py) answers these for any request, before the app sees it.
    errors.update({408: "the request did not arrive in time (limits in service/api/worker.py)",
                   414: "request line too long", 431: "request headers too large"})
    if meta["body"] is not None or meta["query"] is not None:
        errors[400] = "invalid request: malformed JSON, or field-level `errors`"
    if meta["path_values"]:
        outside = f"a path parameter outside its allowed values ({', '.join(sorted(meta['path_values']))})"
        errors[400] = f"{errors[400]}; or {outside}" if 400 in errors else outside
    if meta["body"] is not None and meta["body_media"] == "application/json":
        errors[415] = "request body not sent as application/json"
    if rule.arguments:
        errors[404] = "not found"
    if secured and enforced:
        errors[401] = f"missing or wrong API key in the {HEADER} header"
        op["security"] = [{"ApiKey": []}]
    elif secured:
        op["security"] = [{}]  # the truth on this server: no credentials needed
    if limit:
        errors[429] = "too many requests from this client; the Retry-After header says when to retry"
    if meta["body"] is not None:
        errors[413] = ("request body over 1 MB, or an article over the size or sentence limits"
                       if secured else "request body over 1 MB")
    for status, text in sorted(errors.items()):
        responses.setdefault(str(status), {"description": text, "content": {PROBLEM_JSON: {"schema": "Problem"}}})
    op["responses"] = responses
    return op


def _path_schema(values: tuple[str, ...] | None) -> dict:
    return {"type": "string", "enum": list(values)} if values else {"type": "string"}


_REASONS = {200: "success", 201: "created", 503: "not available on this server"}


def _version() -> str:
    try:
        return metadata.version("recoupe")
    except metadata.PackageNotFoundError:
        return "0.0.0"
