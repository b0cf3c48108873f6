"""A refused file or article, and a validator's message with numbers, in the reader's language.

Ingestion refuses with a stable code and its values (service/ingest/reasons.py): the corpus upload screen
words them in the request's language, POST /v1/articles answers them in the API's language with `code` and
`values` beside the title, and the CLI's summary (`error`) stays English. marshmallow's Range, Length and
OneOf messages keep their numbers apart (service/api/validators.py), so French gets them in French and
English reads as it always did."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from babel.messages.pofile import read_po

from service.api import create_app
from service.api.services import Services
from service.corpus import Corpus
from service.ingest.reasons import REASONS, reason_text
from service.translations import DIRECTORY, words
from service.verdict.render import _dated
from service.verdict.types import Finding, FindingKind, Outcome
from tests.test_api_errors import problem_of
from tests.test_api_errors_french import english_in
from tests.test_page_french import english_in as english_on_screen

FR = {"Accept-Language": "fr-FR,fr;q=0.9"}
EN = {"Accept-Language": "en"}


@pytest.fixture(scope="module")
def client(config, embedder, tmp_path_factory):
    corpus = Corpus(replace(config, data_dir=tmp_path_factory.mktemp("ingest-reasons")), embedder)
    yield create_app(replace(config, data_dir=corpus.config.data_dir), services=Services(corpus)).test_client()
    corpus.close()


def _upload(client, headers, *files):
    return client.post("/corpus/upload", headers=headers, content_type="multipart/form-data",
                       data={"files": [(io.BytesIO(data), name) for name, data in files]})


BAD_FILES = (("vide.txt", b"  \n"), ("latin.txt", "Le café est chaud.".encode("cp1252")),
             ("liste.json", b'[1, {"text": "Un texte assez long pour un passage."}]'), ("image.txt", b"%PDF-1.4"))


def test_the_upload_screen_says_why_a_file_was_refused_in_the_readers_language(client):
    page = _upload(client, FR, *BAD_FILES)
    html = page.get_data(as_text=True)
    assert page.status_code in (200, 400), html[:500]
    assert "vide.txt est vide." in html
    assert "latin.txt n&#39;est pas en UTF-8 valide à l&#39;octet 6 (0xE9, ligne 1)" in html
    assert "liste.json, élément 1 : un objet article avec &#39;title&#39; et &#39;text&#39; était attendu, pas un " \
           "nombre." in html
    assert "image.txt est un document PDF (convertissez-le d&#39;abord en texte), pas un fichier texte." in html
    errors = html[html.index('class="errors-list"'):]
    errors = errors[:errors.index("</ul>")]
    assert not english_on_screen(errors), english_on_screen(errors)

    english = _upload(client, EN, *BAD_FILES).get_data(as_text=True)
    assert "vide.txt is empty." in english
    assert "liste.json, item 1: expected an article object with &#39;title&#39; and &#39;text&#39;, got a number." \
        in english
    assert "It looks like Windows-1252/Latin-1 text: re-save it as UTF-8." in english


def test_the_summary_keeps_english_for_the_cli_with_the_code_and_values_beside_it(config, embedder, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, data in BAD_FILES:
        (folder / name).write_bytes(data)
    corpus = Corpus(replace(config, data_dir=tmp_path / "data"), embedder)
    try:
        summary = corpus.ingest_paths(folder)
    finally:
        corpus.close()
    by_code = {e["code"]: e for e in summary.errors}
    assert by_code["empty_file"] == {"file": str(folder / "vide.txt"), "error": "vide.txt is empty.",
                                     "code": "empty_file", "values": {"file": "vide.txt"}}
    item = by_code["not_an_article"]
    assert item["values"]["where"] == {"code": "item", "values": {"file": "liste.json", "n": 1}}
    assert item["error"] == "liste.json, item 1: expected an article object with 'title' and 'text', got a number."


def test_a_refused_article_over_the_api_is_worded_in_the_readers_language_with_its_code(client):
    body = {"text": "Trop court.", "id": "court"}
    french = problem_of(client.post("/v1/articles", json=body, headers=FR), 400)
    english = problem_of(client.post("/v1/articles", json=body, headers=EN), 400)
    assert english["title"] == ("article court has no passage to index: no sentence of at least 3 words is left "
                                "once page debris is removed.")
    assert french["title"] == ("l'article court n'a aucun passage à indexer : il ne reste aucune phrase d'au moins "
                               "3 mots une fois les débris de page retirés.")
    for answer in (french, english):
        assert answer["code"] == "no_passage" and answer["values"] == {"id": "court", "words": 3}
        assert answer["type"] == "invalid-input" and answer["detail"] == {"article": "court"}

    dated = [{"text": "Un texte qui compte assez de mots.", "published_at": "hier"}] * 2
    french = problem_of(client.post("/v1/articles", json=dated, headers=FR), 400)
    assert french["title"] == "article 0 : published_at 'hier' n'est pas une date ISO 8601 comme 2020-09-16."
    assert french["values"]["where"] == {"code": "article_n", "values": {"n": 0}}
    assert not english_in(french["title"])


@pytest.mark.parametrize("url, field, french, english", [
    ("/v1/articles?limit=0", "limit", "doit être compris entre 1 et 200", "must be between 1 and 200"),
    ("/v1/checks?limit=500", "limit", "Doit être supérieur ou égal à 1 et inférieur ou égal à 200.",
     "Must be greater than or equal to 1 and less than or equal to 200."),
    ("/v1/checks?verdict=maybe", "verdict",
     "Doit être l'une de ces valeurs : supported, refuted, conflicting, not_enough_evidence.",
     "Must be one of: supported, refuted, conflicting, not_enough_evidence."),
])
def test_a_validators_numbers_are_put_in_after_translating(client, url, field, french, english):
    fr = problem_of(client.get(url, headers=FR), 400)
    en = problem_of(client.get(url, headers=EN), 400)
    assert fr["errors"] == {field: [french]} and en["errors"] == {field: [english]}
    assert fr["title"] == f"requête invalide : {field} : {french.rstrip('.')}" or french.rstrip(".") in fr["title"]
    assert en["title"] == f"invalid request: {field}: {english.rstrip('.')}"


def test_a_length_limit_in_french(client):
    body = {"text": "Un texte qui compte assez de mots.", "id": "x" * 201}
    fr = problem_of(client.post("/v1/articles", json=body, headers=FR), 400)
    en = problem_of(client.post("/v1/articles", json=body, headers=EN), 400)
    assert fr["errors"] == {"id": ["La longueur doit être comprise entre 1 et 200."]}
    assert en["errors"] == {"id": ["Length must be between 1 and 200."]}


def test_every_refusal_is_in_the_french_catalogue():
    with open(DIRECTORY / "fr" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalogue = read_po(fh)
    singular = {m.id for m in catalogue if m.id and m.string and not m.fuzzy and isinstance(m.id, str)}
    missing = [code for code, message in REASONS.items() if isinstance(message, str) and message not in singular]
    assert not missing
    unknown = {"where": "d/metadata.json", "key": "'a.txt'", "known": ["title", "url"]}
    one = reason_text("sidecar_unknown_fields", {**unknown, "unknown": ["titel"], "count": 1}, words("fr"))
    two = reason_text("sidecar_unknown_fields", {**unknown, "unknown": ["a", "b"], "count": 2}, words("fr"))
    assert "un champ inconnu, titel" in one and "des champs inconnus, a, b" in two


@pytest.mark.parametrize("published_at, french, english", [
    ("2020-09-14", "(passage du 14 septembre 2020)", "(passage of September 14, 2020)"),
    ("2020-09", "(passage de septembre 2020)", "(passage from September 2020)"),
    ("2020", "(passage de 2020)", "(passage from 2020)"),
])
def test_a_passages_date_is_said_at_its_precision(published_at, french, english):
    finding = Finding(FindingKind.DATE, Outcome.MATCH, "x", "x", published_at=published_at)
    assert _dated(finding, words("fr")) == french
    assert _dated(finding, words("en")) == english
