"""A write sent by a browser from another site is refused, on the page and on /v1, whatever headers it carries.

Each combination of Sec-Fetch-Site, Origin, Referer and the page's form token is sent to a page form
(`POST /check`, an empty claim: 400 when let through) and to an API write (`POST /v1/articles`, an
empty body: 400 when let through); a refusal is a 403 before the view runs.
"""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient

from service.api.csrf import COOKIE, FIELD
from tests.conftest import client_of

OWN = "http://localhost"
EVIL = "http://evil.example"


@pytest.fixture
def browser(config, services):
    """A plain client (it fills in no form token by itself) that has loaded the page once."""
    app = client_of(config, services).application
    client = FlaskClient(app, app.response_class, use_cookies=True)
    client.get("/")
    return client


def _token(client) -> str:
    return client.get_cookie(COOKIE).value


# (headers, let through?) — the verdict is the same for the page (with its token) and for /v1.
COMBINATIONS = [
    ({}, True),  # a client that is not a browser (curl, a script)
    ({"Sec-Fetch-Site": "same-origin"}, True),
    ({"Sec-Fetch-Site": "none"}, True),  # typed or bookmarked by the user
    ({"Sec-Fetch-Site": "cross-site"}, False),
    ({"Sec-Fetch-Site": "same-site"}, False),  # another host of the same site
    ({"Origin": OWN}, True),
    ({"Origin": EVIL}, False),  # the probe's page forms: a foreign Origin and no Sec-Fetch-Site
    ({"Origin": "null"}, False),
    ({"Origin": "http://localhost.evil.example"}, False),
    ({"Referer": OWN + "/corpus"}, True),
    ({"Referer": EVIL + "/attack.html"}, False),
    ({"Referer": "not a url"}, False),
    ({"Origin": OWN, "Referer": EVIL + "/x"}, True),  # the Origin decides when there is one
    ({"Origin": EVIL, "Referer": OWN + "/x"}, False),
    ({"Sec-Fetch-Site": "same-origin", "Origin": OWN}, True),
    ({"Sec-Fetch-Site": "same-origin", "Origin": EVIL}, False),
    # what Chromium sends for the page's own form under Referrer-Policy: no-referrer
    ({"Sec-Fetch-Site": "same-origin", "Origin": "null"}, True),
    ({"Sec-Fetch-Site": "cross-site", "Origin": "null"}, False),
    ({"Sec-Fetch-Site": "cross-site", "Origin": OWN}, False),
    ({"Sec-Fetch-Site": "none", "Origin": EVIL}, False),
    ({"Sec-Fetch-Site": "cross-site", "Origin": EVIL, "Referer": EVIL + "/x"}, False),
]


@pytest.mark.parametrize(("headers", "let_through"), COMBINATIONS)
def test_an_api_write_is_refused_exactly_when_a_header_says_another_site(browser, headers, let_through):
    response = browser.post("/v1/articles", json={}, headers=headers)
    assert response.status_code == (400 if let_through else 403), response.get_data(as_text=True)
    if not let_through:
        problem = response.get_json()
        assert problem["type"] == "cross-site" and "another site" in problem["title"]
        assert response.headers["X-Request-ID"]


@pytest.mark.parametrize(("headers", "let_through"), COMBINATIONS)
def test_a_page_form_with_its_token_is_refused_exactly_when_a_header_says_another_site(browser, headers, let_through):
    response = browser.post("/check", data={"claim": "", FIELD: _token(browser)}, headers=headers)
    assert response.status_code == (400 if let_through else 403)
    if not let_through:
        assert "another site" in response.get_data(as_text=True)


@pytest.mark.parametrize("headers", [{}, {"Origin": OWN}, {"Sec-Fetch-Site": "same-origin"}, {"Referer": OWN + "/"}])
def test_a_page_form_without_the_token_of_its_cookie_is_refused_whatever_the_headers(browser, headers):
    assert browser.post("/check", data={"claim": ""}, headers=headers).status_code == 403
    assert browser.post("/check", data={"claim": "", FIELD: "x" * 43}, headers=headers).status_code == 403
    browser.delete_cookie(COOKIE)  # another site's form: the SameSite=Strict cookie is not sent
    assert browser.post("/check", data={"claim": "", FIELD: "a" * 43}, headers=headers).status_code == 403


def test_the_page_sets_a_strict_cookie_and_each_form_repeats_it(browser):
    token = _token(browser)
    home = browser.get("/")
    assert f'name="{FIELD}" value="{token}"' in home.get_data(as_text=True)
    fresh = FlaskClient(browser.application, browser.application.response_class).get("/")
    cookie = fresh.headers["Set-Cookie"]
    assert cookie.startswith(COOKIE + "=") and "SameSite=Strict" in cookie and "HttpOnly" in cookie


def test_the_probes_cross_site_batch_upload_is_refused_and_nothing_runs(browser, services):
    before = [b.id for b in services.desk.store.list_batches()]
    response = browser.post("/v1/batches", data={"claims": (io.BytesIO(b"id,claim\n1,La tour Eiffel mesure 330 m\n"),
                                                            "claims.csv")},
                            headers={"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}, content_type="multipart/form-data")
    assert response.status_code == 403
    assert [b.id for b in services.desk.store.list_batches()] == before


@pytest.mark.parametrize("path", ["/corpus/upload", "/corpus/pont/delete", "/corpus/pont/retract", "/batch"])
def test_every_page_write_is_refused_from_a_foreign_origin(browser, path):
    response = browser.post(path, data={FIELD: _token(browser)}, headers={"Origin": EVIL})
    assert response.status_code == 403
