"""What to check in a text: the sentences of a text ranked by check-worthiness, through the function,
the API, the CLI and the page (tick sentences, one click to a batch check), with the real models."""

from __future__ import annotations

import json
import time

import pytest

from service.checkworthy.extract import ClaimFinder

SPEECH = ("Mesdames et messieurs, merci d'être venus si nombreux ce soir.\n\n"
          "Je pense que nous méritons mieux.\n\n"
          "Le chômage a baissé de 2,1 % en 2023 selon l'Insee, son plus bas niveau depuis 1982.\n\n"
          "Qui parmi vous n'a jamais rêvé d'un pays plus juste ?\n\n"
          "La dette publique a atteint 3 000 milliards d'euros l'an dernier, deux fois plus qu'en 2007.\n\n"
          "Quand j'étais enfant, mon grand-père m'emmenait à la pêche le dimanche.")
FACTUAL = {2, 4}  # positions of the two checkable statements


@pytest.fixture(scope="module")
def finder(models):
    return ClaimFinder(models.checkworthy, models.embedder)


def test_checkable_statements_rank_above_greetings_opinions_questions_and_anecdotes(finder):
    result = finder.extract(SPEECH)
    assert result.language == "fr" and result.total == 6
    assert {s.position for s in result.sentences[:2]} == FACTUAL
    top = result.sentences[0]
    assert SPEECH[top.start:top.end] == top.text and "numbers" in top.reasons
    assert [s.rank for s in result.sentences] == list(range(1, 7))
    assert result.sentences[0].score > result.sentences[-1].score


def test_a_text_with_no_sentence_to_rank_answers_an_empty_ranking(finder):
    result = finder.extract("0", top=2999, language="aa")  # found by the schemathesis campaign: was a 500
    assert result.total == 0 and result.sentences == []


def test_top_n_keeps_the_best_and_says_how_many_were_ranked(finder):
    result = finder.extract(SPEECH, top=2)
    assert len(result.sentences) == 2 and result.total == 6


def test_english_text_ranks_the_same_way(finder):
    text = ("Thank you all for coming tonight. I believe in this country. Unemployment fell to 3.5 percent in "
            "2019, the lowest rate since 1969. What do you think we should do?")
    assert "3.5 percent" in finder.extract(text).sentences[0].text


@pytest.mark.parametrize("text, top, words", [("", None, "empty"), ("   \n ", None, "empty"),
                                              ("Une phrase.", 0, "at least 1"), ("x" * 200_001, None, "200,000")])
def test_bad_input_is_refused_with_a_clear_message(finder, text, top, words):
    from service.errors import RecoupeError

    with pytest.raises(RecoupeError, match=words):
        finder.extract(text, top)


# ---------------------------------------------------------------- API, CLI, page


def test_the_api_answers_the_same_ranking_as_the_function(client, finder):
    response = client.post("/v1/claims/extract", json={"text": SPEECH, "top": 3})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    expected = finder.extract(SPEECH, top=3)
    assert [s["text"] for s in body["sentences"]] == [s.text for s in expected.sentences]
    assert body["total"] == 6 and 0 < body["threshold"] < 1


@pytest.mark.parametrize("body, field", [({}, "text"), ({"text": ""}, "text"), ({"text": SPEECH, "top": 0}, "top"),
                                         ({"text": SPEECH, "top": "3"}, "top"), ({"text": 5}, "text"),
                                         ({"text": SPEECH, "language": "French"}, "language")])
def test_the_api_refuses_bad_bodies_with_field_errors(client, body, field):
    response = client.post("/v1/claims/extract", json=body)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]


def test_recoupe_claims_extract_ranks_a_file(services, tmp_path, capsys):
    from service.cli.main import main

    path = tmp_path / "discours.txt"
    path.write_text(SPEECH, encoding="utf-8")
    assert main(["claims", "extract", str(path), "--top", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {s["position"] for s in out["sentences"]} == FACTUAL
    assert main(["claims", "extract", str(tmp_path / "speech.docx")]) == 2
    assert ".txt or .html" in capsys.readouterr().err


def test_the_page_ranks_a_text_and_sends_the_ticked_sentences_to_a_batch(client, services):
    page = client.post("/claims?lang=fr", data={"text": SPEECH, "top": "6"}).get_data(as_text=True)
    assert "Vérifier les phrases cochées" in page and page.count('name="claims"') == 6
    response = client.post("/claims/batch", data={"claims": [SPEECH.split("\n\n")[2], SPEECH.split("\n\n")[4]],
                                                  "top_k": "3"})
    assert response.status_code == 303 and "/batches/" in response.headers["Location"]
    batch_id = response.headers["Location"].rsplit("/", 1)[1]
    assert services.desk.store.get_batch(batch_id).total == 2
    for _ in range(600):  # let the batch finish before the services close
        if services.desk.store.get_batch(batch_id).status != "running":
            break
        time.sleep(0.5)
    assert services.desk.store.get_batch(batch_id).done == 2
    empty = client.post("/claims/batch?lang=fr", data={"top_k": "3"})
    assert empty.status_code == 400 and "Cochez au moins une phrase" in empty.get_data(as_text=True)
    assert client.post("/claims", data={"text": ""}).status_code == 400
