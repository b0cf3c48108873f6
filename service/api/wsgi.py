"""The WSGI entry point for servers other than `recoupe serve`: `gunicorn service.api.wsgi:app`.

Configuration comes from recoupe.toml / RECOUPE_* variables; the corpus and
models are loaded by each worker on its first request.
"""

from service.api import create_app

app = create_app()
