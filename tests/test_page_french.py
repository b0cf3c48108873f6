"""A French reader walks every screen of the desk, its errors and its explanation, and meets no English:
each screen's visible text (and its titles and labels) is searched for words that never occur in French
interface text. Claims, passages, titles and source names are the corpus's own words, in their language,
and are left out (they carry a lang attribute other than the page's)."""

from __future__ import annotations

import io
import re
from html import escape as html_escape
from html.parser import HTMLParser

import pytest

KEY = "french-key"
CLAIM = "Kim Kardashian n'a que 10 millions d'abonnés sur Instagram"
FR = {"Accept-Language": "fr-FR,fr;q=0.9"}
# Words of English interface text that French interface text never uses (checked against the catalogue).
# ("check" and "claim" are left out: "fact-check" is French newsroom usage, "claim" a column's name.)
ENGLISH = {"the", "and", "of", "this", "that", "with", "not", "is", "are", "was", "were", "checked", "claims", "passage(s)", "source(s)", "evidence", "supports", "refutes", "refuted",
           "supported", "found", "found:", "needs", "server's", "key", "upload", "delete", "batch", "report",
           "verdict:", "strength", "followers", "wednesday", "monday", "stance", "number", "weekday", "wording",
           "none", "deleted", "article's", "back", "home", "error", "details", "undated", "published", "from",
           "until", "sources:", "there", "here", "no", "on", "in", "to", "or", "by", "for", "utc", "pm", "am"}

WORD = r"[^\W\d_][\w()'’:-]*"


class VisibleText(HTMLParser):
    """The text a reader sees or hears in the page's language: text nodes, title, alt, aria-label,
    placeholder; not inside <script>, <style>, <template> of other languages, or an element whose lang is not
    the page's (corpus content)."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.out: list[str] = []

    def _foreign(self) -> bool:
        return any(foreign for _, foreign in self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        void = tag in ("input", "meta", "link", "br", "img", "hr", "source")
        # An element with its own lang is corpus content (claims, passages, titles), in whatever language.
        foreign = ("lang" in a and tag != "html") or a.get("translate") == "no" or tag in ("script", "style", "code", "title")
        if not self._foreign() and not foreign:
            for name in ("title", "aria-label", "alt", "placeholder"):
                if a.get(name):
                    self.out.append(a[name])
        if not void:
            self.stack.append((tag, foreign))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self._foreign() and data.strip():
            self.out.append(data)


def english_in(html: str) -> set[str]:
    parser = VisibleText()
    parser.feed(html)
    text = " ".join(parser.out)
    # Quotes of the corpus inside a French sentence (« ... ») are the corpus's words, not the interface's.
    text = re.sub(r"«[^»]*»", " ", text)
    return {w for w in re.findall(WORD, text.lower()) if w in ENGLISH}


def _french(response, status=200) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == status, html[:500]
    assert '<html lang="fr">' in html
    assert not english_in(html), english_in(html)
    return html


def test_the_words_taken_for_english_never_occur_in_the_french_catalogue():
    """The list above must not make the test fail on French itself."""
    from babel.messages.pofile import read_po

    from service.translations import DIRECTORY

    with open(DIRECTORY / "fr" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        french = " ".join(" ".join(m.string) if isinstance(m.string, tuple) else m.string for m in read_po(fh) if m.id)
    french = re.sub(r"%\(\w+\)s", " ", french).lower()
    # the API's own words, the same in every language: field names, and the stance values a /v1 review sends
    # ("a stance review names the stance: supports, refutes or neutral"); the screens are still searched for them
    assert not {w for w in re.findall(WORD, french) if w in ENGLISH} - {"stance", "key", "supports", "refutes"}


def test_a_french_reader_meets_no_english_on_any_screen(client, keyed, services):
    c = client
    _french(c.get("/", headers=FR))
    # a check, with its evidence, number table and explanation
    path = c.post("/check", data={"claim": CLAIM, "top_k": "10"}, headers=FR).headers["Location"]
    check = _french(c.get(path, headers=FR))
    assert 'class="findings"' in check and "force " in check and "abonnés" in check
    explanation = re.search(r'<ul id="explanation">(.*?)</ul>', check, re.S).group(1)
    assert re.search(r"\d,\d\d", explanation) and not re.search(r"\d\.\d\d", explanation)  # Babel's decimals
    assert "188…" not in explanation  # a quote is never cut inside the number it is about
    assert "T0" not in check and "+00:00" not in check  # times as a reader writes them
    _french(c.get("/checks", headers=FR))
    # the check alone as a Markdown report: the reader's language (the claim is French: an English reader's is English)
    check_id = path.rsplit("/", 1)[1]
    report = c.get(f"/v1/checks/{check_id}/export/md", headers=FR).get_data(as_text=True)
    assert report.startswith("# Rapport de vérification des affirmations") and "- **Verdict :** " in report
    english = c.get(f"/v1/checks/{check_id}/export/md", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert english.startswith("# Claim check report") and "- **Verdict:** " in english
    # an over-long claim: refused with both numbers, in French, shown back whole
    long = c.post("/check", data={"claim": "mot " * 500}, headers=FR)
    page = _french(long, 400)
    assert "2\u202f000 caractères" in page or "1\u202f999 caractères" in page
    # batch upload and its view
    body = f"id,claim\nb1,{CLAIM}\n"
    batch = c.post("/batch", data={"claims": (io.BytesIO(body.encode()), "claims.csv"), "top_k": "3"},
                   content_type="multipart/form-data", headers=FR)
    batch_path = batch.headers["Location"]
    _french(c.get("/batch", headers=FR))
    _finish(services, batch_path.rsplit("/", 1)[1])
    _french(c.get(batch_path, headers=FR))
    # corpus, article, delete confirmation, claims extraction
    _french(c.get("/corpus", headers=FR))
    article_id = services.corpus.index.list_articles()[0].id
    _french(c.get(f"/articles/{article_id}", headers=FR))
    _french(c.get(f"/corpus/{article_id}/delete", headers=FR))
    _french(c.get("/claims", headers=FR))
    ranked = c.post("/claims", data={"text": "La tour Eiffel mesure 330 mètres. Elle a été construite en 1889."},
                    headers=FR)
    _french(ranked)
    # errors: a deleted article (404), a form from another site (403), an API key missing or wrong (401,
    # the form back with the key field focused), a batch of nothing checked (400)
    _french(c.get("/articles/no-such-article", headers=FR), 404)
    _french(c.get("/checks/no-such-check", headers=FR), 404)
    from flask.testing import FlaskClient

    plain = FlaskClient(c.application, use_cookies=True)
    _french(plain.post("/corpus/upload", headers={**FR, "Sec-Fetch-Site": "cross-site"}), 403)
    refused = _french(keyed.post(f"/corpus/{article_id}/delete", data={"api_key": "wrong"}, headers=FR), 401)
    assert re.search(r'id="delete-key"[^>]*autofocus', refused) and "clé d" in refused
    _french(keyed.post("/batch", data={}, headers=FR), 401)
    _french(c.post("/claims/batch", data={}, headers=FR), 400)
    # sentences sent to a batch without the key: the ranked sentences come back as ticked, the reason beside
    # the focused key field
    text = "La tour Eiffel mesure 330 mètres. Elle a été construite en 1889 par Gustave Eiffel."
    ticked = "Elle a été construite en 1889 par Gustave Eiffel."
    refused = _french(keyed.post("/claims/batch", data={"claims": [ticked], "text": text, "top": "5"}, headers=FR),
                      401)
    assert re.search(r'id="cx-key"[^>]*autofocus', refused) and 'id="cx-key-error"' in refused
    boxes = dict(re.findall(r'<input type="checkbox" name="claims" value="([^"]*)"[^>]*?( checked)?>', refused))
    assert boxes == {"La tour Eiffel mesure 330 mètres.": "", ticked: " checked"}, boxes
    # an unknown address and a form over the size limit: the page's error screen, not the API's JSON
    _french(c.get("/no-such-screen", headers={**FR, "Accept": "text/html,*/*;q=0.8"}), 404)
    over = c.post("/corpus/upload", data={"files": (io.BytesIO(b"x" * (2 * 1024 * 1024)), "big.txt")},
                  content_type="multipart/form-data", headers=FR)
    assert "Mo" in _french(over, 413)
    assert c.get("/v1/no-such-operation", headers={**FR, "Accept": "text/html"}).mimetype == "application/problem+json"
    _downloads_in_french(c, batch_path.rsplit("/", 1)[1])


def _downloads_in_french(c, batch_id):
    """The batch's reports and ClaimReview drafts, downloaded by a French reader, are French; an English
    reader gets the same batch (of a French claim) in English: the requester's language decides."""
    def download(fmt, headers=FR):
        response = c.get(f"/v1/batches/{batch_id}/download/{fmt}", headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return response.get_data(as_text=True)

    html = download("html")
    assert '<html lang="fr">' in html and not english_in(html), english_in(html)
    markdown = download("md")
    assert markdown.startswith("# Rapport de vérification des affirmations")
    # the interface's lines: not the claim's heading, the passages, their sources (the corpus's own words)
    ours = "\n".join(line for line in markdown.splitlines()
                      if not line.startswith(("### ", "   > ", "   - *")) and "claims.csv" not in line)
    assert not english_in(f"<p>{html_escape(ours)}</p>"), english_in(f"<p>{html_escape(ours)}</p>")
    import json

    for draft in json.loads(download("claimreview")):
        assert draft["inLanguage"] == "fr" and "doit relire" in draft["description"]
        human = " ".join([draft["description"], draft["reviewRating"]["alternateName"], draft["reviewBody"]])
        assert not english_in(f"<p>{html_escape(human)}</p>"), human
    assert download("md", {"Accept-Language": "en"}).startswith("# Claim check report")
    for fmt in ("csv", "jsonl"):  # data with stable column names, as the API's fields: one row per claim
        assert CLAIM in download(fmt)


def _finish(services, batch_id, seconds=300):
    import time

    deadline = time.monotonic() + seconds
    while services.desk.store.get_batch(batch_id).status == "running":
        assert time.monotonic() < deadline
        time.sleep(0.5)
