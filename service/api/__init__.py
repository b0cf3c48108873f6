"""The HTTP API: `create_app` builds the Flask app.

The layer holds no logic: each view parses its request with a schema
(`schemas.py`), calls one method of the application object (`services.py`),
and dumps the result with a schema. Every failure becomes one
application/problem+json shape (`errors.py`).

Run it with `recoupe serve`, or any WSGI server: `gunicorn service.api.wsgi:app`.
"""

from __future__ import annotations

from flask import Flask

from service.config import Config, load_config
from service.limits import MAX_BODY_BYTES


def create_app(config: Config | None = None, services=None) -> Flask:
    """The app for `config` (default: `load_config()`).

    `services` (a `services.Services`) is the application object the views
    call; when None, each process builds its own on first use with
    `services.build_services(config)`, so creating the app loads nothing.
    """
    from service.api.csrf import init_csrf
    from service.api.errors import register_error_handlers
    from service.api.protection import init_protection
    from service.api.request_log import configure_audit_log, configure_logging, init_request_log
    from service.api.services import ServiceHolder
    from service.api.v1 import blueprints
    from service.translations.locale import init_babel

    config = config if config is not None else load_config()
    configure_logging()
    configure_audit_log(config.audit_log)
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, RECOUPE=config)
    app.json.sort_keys = False  # fields in schema order
    app.json.ensure_ascii = False  # French evidence stays readable
    app.extensions["recoupe"] = ServiceHolder(config, services)
    init_request_log(app)
    init_csrf(app)  # after the request id is given: a refusal names it too
    register_error_handlers(app)
    init_babel(app)  # the catalogues of service/translations, for the page and the API's messages
    for bp in blueprints():
        app.register_blueprint(bp)
    from service.page import bp as page

    app.register_blueprint(page)  # the fact-checker's page at /
    init_protection(app, config)  # after the blueprints: the limits wrap their views
    return app
