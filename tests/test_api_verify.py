"""POST /v1/verify and /v1/verify/batch with the real verifier over the seed corpus."""

from __future__ import annotations

import json

import pytest

from service.api.schemas import VerifyResponse
from service.verdict.types import VERDICTS
from tests.conftest import REPO, SEEDS

CLAIM = "Kim Kardashian ne publiera pas sur Instagram mercredi"
SEED_IDS = {p.stem for p in SEEDS.glob("*.txt")}


def test_a_french_claim_gets_a_verdict_with_cited_seed_passages(client):
    response = client.post("/v1/verify", json={"claim": f"  {CLAIM}  ", "top_k": 5})
    assert response.status_code == 200, response.get_data(as_text=True)
    result = response.get_json()
    assert result["claim"] == CLAIM and result["verdict"] in VERDICTS
    assert 0 < len(result["evidence"]) <= 5
    assert all(s["article_id"] in SEED_IDS for e in result["evidence"] for s in e["sources"])
    assert result["explanation"]


def test_the_response_matches_the_documented_schema(client):
    result = client.post("/v1/verify", json={"claim": CLAIM, "top_k": 3}).get_json()
    assert VerifyResponse().validate(result) == {}


def test_a_claim_is_refused_with_one_message_whichever_door_it_comes_through(client, services):
    from service.errors import InvalidInput

    message = "the claim is 1001 characters long, over the 1000-character limit"
    answer = client.post("/v1/verify", json={"claim": "a" * 1001})
    assert answer.status_code == 400 and answer.get_json()["errors"]["claim"] == [message]
    with pytest.raises(InvalidInput, match=message):
        services.verifier.verify("a" * 1001)  # the Verifier called directly reads it the same way
    # the limit is on the claim as sent: 115 characters that NFKC makes 2,070 are read once, at the door,
    # and the Verifier does not count them again
    wide = client.post("/v1/verify", json={"claim": "\ufdfa" * 115, "top_k": 1})
    assert wide.status_code == 200, wide.get_data(as_text=True)


def test_the_evidence_shows_each_compared_value_at_its_offsets_in_the_passage(client):
    result = client.post("/v1/verify", json={"claim": "Kim Kardashian a 189 millions d'abonnés sur Instagram"}).get_json()
    placed = [(e["text"], v) for e in result["evidence"] for f in e["findings"] for v in f["passage_values"]]
    assert placed
    assert all(text[v["start"]:v["end"]] == v["text"] for text, v in placed)


def test_the_language_filter_reaches_the_evidence(client):
    result = client.post("/v1/verify", json={"claim": CLAIM, "languages": ["en"]}).get_json()
    assert all(e["language"] == "en" for e in result["evidence"])  # the seeds are French


def test_a_batch_answers_each_claim_in_order(client):
    claims = [CLAIM, "Kim Kardashian will not post on Instagram on Wednesday"]
    response = client.post("/v1/verify/batch", json={"claims": claims, "top_k": 3})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert [r["claim"] for r in response.get_json()["results"]] == claims


def test_health_is_ok_once_the_verifier_is_loaded(client):
    assert client.get("/v1/health").get_json()["status"] == "ok"


# ---------------------------------------------------------------- the seed claims, end to end

SEED_CLAIMS = [json.loads(line) for line in (REPO / "tests" / "data" / "seed_claims.jsonl").read_text().splitlines()]
DECISIVE = {"supported": "supports", "refuted": "refutes"}


def _cites(result: dict, sources: list[str]) -> bool:
    """Does evidence that decided the verdict come from one of these articles?"""
    stance = DECISIVE[result["verdict"]]
    return any(s["article_id"] in sources for e in result["evidence"] if e["stance"] == stance for s in e["sources"])


def test_the_demo_claims_of_the_readme(client):
    supported = client.post("/v1/verify", json={"claim": "Kim Kardashian a 189 millions d abonnés sur Instagram"})
    result = supported.get_json()
    assert result["verdict"] == "supported" and _cites(result, ["003_525ca13e8105f9df"]), result["explanation"]

    refuted = client.post("/v1/verify", json={"claim": "Kim Kardashian n'a que 10 millions d'abonnés sur Instagram"})
    result = refuted.get_json()
    assert result["verdict"] == "refuted", result["explanation"]
    # The rule finding that decided, with both values, as data and in French words (a French claim).
    conflicts = [f for e in result["evidence"] if e["stance"] == "refutes" for f in e["findings"]
                 if f["outcome"] == "conflict"]
    assert conflicts and conflicts[0]["claim_value"] == "10 millions" and conflicts[0]["unit"] == "followers"
    assert "millions" in conflicts[0]["passage_value"] and not conflicts[0]["passage_value"].startswith("10 ")
    assert any("Contrôle des nombres" in line and "10 millions" in line for line in result["explanation"])

    unrelated = client.post("/v1/verify", json={"claim": "La tour Eiffel mesure 330 mètres"})
    assert unrelated.get_json()["verdict"] == "not_enough_evidence", unrelated.get_json()["explanation"]


def _seed_results(client) -> tuple[int, list[str]]:
    response = client.post("/v1/verify/batch", json={"claims": [c["claim"] for c in SEED_CLAIMS], "top_k": 10})
    assert response.status_code == 200, response.get_data(as_text=True)
    wrong = []
    for case, result in zip(SEED_CLAIMS, response.get_json()["results"]):
        right = result["verdict"] == case["expected"]
        if right and case["expected"] in DECISIVE:
            right = _cites(result, case["sources"])
        if not right:
            wrong.append(f"{case['id']} {case['claim']!r}: expected {case['expected']}, got {result['verdict']}")
    return len(SEED_CLAIMS) - len(wrong), wrong


SEED_TARGET = 36  # of 40: the target for the verdict model
SEED_FLOOR = 27  # of 40: measured 30 with the third stance model and the verdict model retrained on it
# (27-28 with the second); guards regressions. Three below: one claim sits at its threshold (seed-03,
# supported at 0.681 for 0.68) and two just under it, so another CPU's int8 rounding can move a few.


def test_the_seed_claims_never_fall_below_the_measured_floor(client):
    """40 hand-written claims (French, English; supported, refuted, not enough evidence): the expected
    verdict, and for a supported or refuted one an expected article among the passages that decided."""
    right, wrong = _seed_results(client)
    assert right >= SEED_FLOOR, f"{right}/{len(SEED_CLAIMS)} right:\n" + "\n".join(wrong)


@pytest.mark.xfail(strict=True, reason="target not reached: 30/40 with the third stance model; the misses are "
                   "supported claims the verdict model abstains on (models/verdict/README.md)")
def test_the_seed_claims_get_the_right_verdict_from_the_right_source(client):
    right, wrong = _seed_results(client)
    assert right >= SEED_TARGET, f"{right}/{len(SEED_CLAIMS)} right:\n" + "\n".join(wrong)


def test_no_true_seed_claim_is_called_refuted(client):
    """A true claim called false is the error a fact-checker cannot afford."""
    response = client.post("/v1/verify/batch", json={"claims": [c["claim"] for c in SEED_CLAIMS], "top_k": 10})
    wrong = [f"{case['id']} {case['claim']!r}: {result['explanation']}"
             for case, result in zip(SEED_CLAIMS, response.get_json()["results"])
             if case["expected"] == "supported" and result["verdict"] == "refuted"]
    assert wrong == [], "\n".join(wrong)


def test_the_explanation_is_in_the_claims_language(client):
    fr = client.post("/v1/verify", json={"claim": "Katy Perry a 107 millions d'abonnés"}).get_json()
    en = client.post("/v1/verify", json={"claim": "Katy Perry has 107 million followers"}).get_json()
    assert any("affirmation" in line for line in fr["explanation"]), fr["explanation"]
    assert any("claim" in line for line in en["explanation"]), en["explanation"]


def test_claims_the_corpus_does_not_contradict_are_not_called_refuted(client):
    """Reported against the rules: another event's weekday, another unit's count and a claim the
    corpus says nothing about all came out refuted."""
    for claim in ("Kim Kardashian ne publiera pas sur Instagram mercredi.",
                  "En juin, plus de 1 200 annonceurs ont suspendu leurs publicités sur Facebook.",
                  "Instagram compte deux milliards d'utilisateurs actifs."):
        result = client.post("/v1/verify", json={"claim": claim}).get_json()
        assert result["verdict"] != "refuted", (claim, result["explanation"])


def test_the_verifier_is_handed_its_retriever_and_candidates_given_beforehand_verify_the_same(services):
    """One way in: the pool evaluation hands the Verifier a retriever of candidates computed beforehand
    (no subclass, no swapped attribute); over the corpus's own candidates it verifies exactly alike."""
    from lab.evaluate.verdicts import pool_verifier
    from service.ingest.language import detect_language
    from service.verify import WIDE
    from service.verify_options import VerifyOptions

    claims = ["Kim Kardashian a 189 millions d'abonnés sur Instagram", "Katy Perry has 10 million followers"]
    served = services.verifier
    candidates = served.retriever.retrieve_many(claims, WIDE, [detect_language(c, default="fr") for c in claims])
    pool = pool_verifier(claims, candidates, served.stance, served.verdict)
    options = VerifyOptions(top_k=5)
    for a, b in zip(served.verify_many(claims, options), pool.verify_many(claims, options)):
        assert (a.verdict, a.confidence, a.probabilities) == (b.verdict, b.confidence, b.probabilities)
        assert [(e.text, e.stance, e.probabilities, e.findings) for e in a.evidence] == \
               [(e.text, e.stance, e.probabilities, e.findings) for e in b.evidence]


def test_options_take_their_default_and_limits_from_one_place():
    from service.errors import InvalidInput
    from service.limits import DEFAULT_TOP_K, MAX_TOP_K
    from service.verify_options import VerifyOptions

    assert VerifyOptions().top_k == DEFAULT_TOP_K
    assert VerifyOptions.of({"top_k": MAX_TOP_K, "languages": ["fr"]}).filters()["languages"] == ["fr"]
    for wrong in (0, MAX_TOP_K + 1, True, "3"):
        with pytest.raises(InvalidInput, match=f"top_k must be between 1 and {MAX_TOP_K}"):
            VerifyOptions(top_k=wrong)
