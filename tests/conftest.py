"""Shared fixtures: the real embedder (built by the README's set-up) and paths."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.api.csrf import COOKIE as FORM_COOKIE, FIELD as FORM_FIELD
from service.config import Config

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
SHARED_DATA = REPO.parent / "shared" / "data"


class PageFormClient(FlaskClient):
    """The test client, posting the page's forms as a browser does: with the form token that the page's
    cookie holds (each form repeats it in a hidden field). Posts to /v1 are left as they are; the
    cross-site tests (tests/test_api_csrf.py) use a plain FlaskClient to post without it."""

    def post(self, path, *args, **kwargs):
        data = kwargs.get("data")
        if not str(path).startswith("/v1") and (data is None or isinstance(data, dict)) and FORM_FIELD not in (data or {}):
            kwargs["data"] = {**(data or {}), FORM_FIELD: self.form_token()}
        return super().post(path, *args, **kwargs)

    def form_token(self) -> str:
        if self.get_cookie(FORM_COOKIE) is None:
            self.get("/")  # any page sets it
        return self.get_cookie(FORM_COOKIE).value


Flask.test_client_class = PageFormClient


def need_shared_data(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"benchmark data not found at {path} (the shared data folder beside the repository)")
    return path


def need_stance_model(config: Config) -> None:
    """The stance model is trained here over several hours and lands in
    models/stance/ when done; until then, tests that need it say so and skip."""
    from service.stance.artefact import weights_present

    if not weights_present(config.models_dir / "stance"):
        pytest.skip("the stance model is not trained yet (no models/stance/model-*.safetensors): "
                    "run `recoupe models train-stance`")


def mined_neutrals_missing(models_dir: Path | None = None) -> bool:
    """The mined neutral pairs are built from the training data on demand (never
    committed, not built by set-up); the training-mix tests need them."""
    from lab.stance.mine import cache_path

    return not cache_path(models_dir).is_file()


def need_mined_neutrals(models_dir: Path | None = None) -> None:
    from lab.stance.mine import MINE_HINT

    if mined_neutrals_missing(models_dir):
        pytest.skip(f"the mined neutral pairs are not built: {MINE_HINT}")


@contextmanager
def services_on_the_seeds(config: Config, embedder, data_dir: Path, extra: Path | None = None):
    """The application object (real verifier, models) over a fresh index of seeds/ in data_dir, and
    of the articles in `extra` (a file or folder a test wrote) when given."""
    from service.api.services import build_services
    from service.corpus import Corpus

    need_stance_model(config)
    cfg = replace(config, data_dir=data_dir)
    corpus = Corpus(cfg, embedder)
    corpus.ingest_paths([SEEDS] + ([extra] if extra else []))
    corpus.close()
    built = build_services(cfg)
    try:
        yield built
    finally:
        built.close()


def client_of(config: Config, services, api_key: str | None = None):
    """A Flask test client of the real app over `services` (and their data folder); with `api_key`, an
    app whose writes need that key."""
    from service.api import create_app

    cfg = replace(config, data_dir=services.corpus.config.data_dir,
                  **({"api_key": api_key} if api_key is not None else {}))
    return create_app(cfg, services=services).test_client()


@pytest.fixture(scope="session")
def config(tmp_path_factory) -> Config:
    # Rate limits off: tests send hundreds of requests from one address; tests/test_api_protection.py
    # turns them on to test them.
    return Config(data_dir=tmp_path_factory.mktemp("data"), rate_limit_verify="", rate_limit_writes="",
                  rate_limit_reads="")


@pytest.fixture(scope="session")
def models(config):
    from service.models.registry import get_models

    if not (config.embedder_dir / "onnx" / "model_int8.onnx").is_file():
        pytest.fail(f"embedder not built in {config.embedder_dir}: run `recoupe models build-embedder` first")
    return get_models(config)


@pytest.fixture(scope="session")
def embedder(models):
    return models.embedder


# The app over the seeds, one per test module (each its own data folder, so writes stay in the module); a
# module can define its own `services` to change what is served, and `client` and `keyed` follow it.
@pytest.fixture(scope="module")
def services(config, embedder, tmp_path_factory, request):
    name = request.module.__name__.rsplit(".", 1)[-1]
    with services_on_the_seeds(config, embedder, tmp_path_factory.mktemp(name)) as built:
        yield built


@pytest.fixture(scope="module")
def client(config, services):
    """A Flask test client of the real app, no API key."""
    return client_of(config, services)


@pytest.fixture(scope="module")
def keyed(config, services, request):
    """The same services behind an app whose writes need the test module's KEY."""
    return client_of(config, services, api_key=request.module.KEY)


@pytest.fixture(scope="module")
def corpus(config, embedder, tmp_path_factory, request):
    """An empty corpus of the module's own: for tests of the HTTP layer that answer before any model runs."""
    from service.corpus import Corpus

    c = Corpus(replace(config, data_dir=tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])),
               embedder)
    yield c
    c.close()
