"""One coherent verdict: the verdict, its confidence and its probabilities come from one decision;
dated values that disagree are shown with their dates and called conflicting; a passage that says the
claim in its own words supports it, one negation or one number flipped refutes it; a passage about
someone else decides nothing."""

from __future__ import annotations

import json

import numpy as np
import pytest

from service.config import Config
from service.verdict.assess import assess_all, inputs
from service.verdict.decide import OUTCOMES, consistent, decide
from service.verdict.features import with_gaps
from service.verdict.model import VerdictModel
from service.verdict.review import reverify
from service.verdict.types import ClaimReason, FindingKind, Outcome, Reason, Stance, Verdict, Verification
from service.verdict.facts import ClaimFacts, PassageFacts
from service.verdict.wording import finding as wording_finding
from tests.conftest import REPO, client_of, services_on_the_seeds

KIM = "Kim Kardashian a 189 millions d'abonnés sur Instagram"
KIM_PASSAGE = "Kim Kardashian compte 189 millions d'abonnés sur Instagram, selon le réseau social."
HESITANT = [0.35, 0.40, 0.25]  # the stance model unsure: p_supports, p_neutral, p_refutes


@pytest.fixture(scope="module")
def model():
    return VerdictModel.load(Config().models_dir)


def _inputs(claim, claim_language, passage, passage_language, probs, cosine, context=""):
    """assess.inputs from texts: the claim's and the passage's facts built once, the stance model's
    probabilities given as [p_supports, p_neutral, p_refutes] and keyed by Stance."""
    reading = dict(zip((Stance.SUPPORTS, Stance.NEUTRAL, Stance.REFUTES), (float(p) for p in probs)))
    return inputs(ClaimFacts.of(claim, claim_language), PassageFacts.of(passage, passage_language, context),
                  reading, cosine)


def _assess(model, claim, passages, claim_language="fr"):
    """passages: (text, language, [p_supports, p_neutral, p_refutes], cosine)."""
    rows, found = [], []
    for text, language, probs, cosine in passages:
        x, f = _inputs(claim, claim_language, text, language, probs, cosine)
        rows.append(x)
        found.append(f)
    return assess_all(with_gaps(np.vstack(rows)), found, model)


def _wording(claim, passage, claim_language="fr", passage_language="fr", cosine=0.9):
    return wording_finding(ClaimFacts.of(claim, claim_language), PassageFacts.of(passage, passage_language), cosine)


# ---------------------------------------------------------------- near-verbatim support and single flips


def test_a_french_passage_in_the_claims_words_is_strong_support_whatever_the_stance_model_hesitates(model):
    claim = "Disney, McDonald's et Walmart ont participé au boycott publicitaire de l'été."
    passage = ("Cette action fait suite au boycott publicitaire auquel ont participé plusieurs grandes entreprises "
               "— dont Disney, McDonald's et Walmart — cet été.")
    f = _wording(claim, passage)
    assert (f.kind, f.outcome) == (FindingKind.WORDING, Outcome.MATCH)
    a = _assess(model, claim, [(passage, "fr", HESITANT, 0.90)])
    d = decide(a, model)
    assert a[0].stance == Stance.SUPPORTS and Reason.WORDING_MATCH in a[0].reasons
    assert d.verdict == Verdict.SUPPORTED and d.confidence >= 0.8


def test_an_english_passage_in_the_claims_words_is_strong_support(model):
    claim = "More than 1,200 advertisers paused their ads on Facebook in July."
    passage = "In July, more than 1,200 advertisers paused their ads on Facebook, the organisers said."
    assert _wording(claim, passage, "en", "en").outcome == Outcome.MATCH
    d = decide(_assess(model, claim, [(passage, "en", HESITANT, 0.90)], "en"), model)
    assert d.verdict == Verdict.SUPPORTED


def test_one_negation_flipped_refutes_in_french_and_in_english(model):
    fr = _wording("Facebook n'a jamais retiré la page du groupe de miliciens de Kenosha.",
                  "Facebook a retiré la page du groupe de miliciens de Kenosha après la fusillade.")
    en = _wording("Facebook never removed the page of the Kenosha militia group.",
                  "Facebook removed the page of the Kenosha militia group after the shooting.", "en", "en")
    for f in (fr, en):
        assert (f.outcome, f.unit, f.claim_value, f.passage_value) == (Outcome.CONFLICT, "negation", "negative",
                                                                       "affirmative")
    claim = "Facebook n'a jamais retiré la page du groupe de miliciens de Kenosha."
    d = decide(_assess(model, claim, [("Facebook a retiré la page du groupe de miliciens de Kenosha après la "
                                       "fusillade.", "fr", [0.5, 0.3, 0.2], 0.9)]), model)
    assert d.verdict == Verdict.REFUTED and d.probabilities["refuted"] >= 0.8


def test_a_negation_elsewhere_in_a_long_quote_does_not_flip_the_passage():
    passage = ("De son côté, Katy Perry et ses 107 millions d'abonnés ont décidé de suivre le mouvement en postant "
               "la même image avec un message similaire : « J'aime partager ma musique avec vous, mais je ne peux "
               "pas rester silencieuse », écrit-elle.")
    assert _wording("Katy Perry a décidé de suivre le mouvement", passage).outcome == Outcome.MATCH


def test_one_number_flipped_refutes(model):
    claim = "La campagne a poussé plus de 10 000 annonceurs à couper leurs comptes publicitaires."
    passage = "La campagne a poussé plus de 1 200 annonceurs à couper leurs comptes publicitaires en juin."
    f = _wording(claim, passage)
    assert (f.outcome, f.unit, f.claim_value, f.passage_value) == (Outcome.CONFLICT, "number", "10000", "1200")
    assert decide(_assess(model, claim, [(passage, "fr", [0.7, 0.2, 0.1], 0.93)]), model).verdict == Verdict.REFUTED
    # within rounding, the same number: "189" said of "plus de 188 millions" is no flip
    assert _wording(KIM, "Kim Kardashian compte plus de 188 millions d'abonnés sur Instagram.").outcome == Outcome.MATCH


def test_across_languages_a_near_translation_supports_and_words_alone_decide_nothing(model):
    claim = "Kim Kardashian will not post on Instagram on Wednesday"
    passage = "Kim Kardashian a dit qu'elle ne publiera pas sur Instagram mercredi."
    assert _wording(claim, passage, "en", "fr", cosine=0.92).outcome == Outcome.MATCH
    # the embedder reads them as further apart: not recognised by its words
    assert _wording(claim, passage, "en", "fr", cosine=0.80) is None
    # across languages a flip is not read from the cosine: the affirmative passage is no wording finding
    assert _wording(claim, "Kim Kardashian publiera sur Instagram mercredi.", "en", "fr", cosine=0.92) is None
    # a claim whose content the passage does not carry
    assert _wording(KIM, "Kim Kardashian boycotte Instagram mercredi.") is None


# ---------------------------------------------------------------- someone else's statement


def test_another_persons_number_is_neither_support_nor_refutation(model):
    claim = "Kim Kardashian n'a que 10 millions d'abonnés"
    katy = "De son côté, Katy Perry et ses 107 millions d'abonnés ont décidé de suivre le mouvement."
    a = _assess(model, claim, [(katy, "fr", [0.10, 0.28, 0.62], 0.88)])
    assert a[0].stance == Stance.NEUTRAL and a[0].strength == 0 and Reason.SET_ASIDE in a[0].reasons
    assert all(f.outcome != Outcome.CONFLICT for f in a[0].findings)
    d = decide(a, model)
    assert d.verdict == Verdict.NOT_ENOUGH_EVIDENCE and d.probabilities["refuted"] == 0


def test_a_passage_naming_only_other_people_does_not_support_either(model):
    claim = "Jennifer Lawrence participe au boycott de Facebook"
    other = "Leonardo DiCaprio et Katy Perry participent au boycott de Facebook."
    a = _assess(model, claim, [(other, "fr", [0.92, 0.05, 0.03], 0.93)])
    assert a[0].stance == Stance.NEUTRAL and Reason.SET_ASIDE in a[0].reasons
    assert decide(a, model).verdict == Verdict.NOT_ENOUGH_EVIDENCE


# ---------------------------------------------------------------- one decision


def test_a_rule_conflict_is_evidence_the_decision_weighs_not_an_override(model):
    claim = "Kim Kardashian n'a que 10 millions d'abonnés sur Instagram"
    a = _assess(model, claim, [(KIM_PASSAGE, "fr", [0.6, 0.3, 0.1], 0.92)])
    d = decide(a, model)
    assert a[0].known > 0 and a[0].stance == Stance.REFUTES
    assert d.verdict == Verdict.REFUTED and d.reasons == [ClaimReason.RULE_CONFLICT]
    assert d.confidence == d.probabilities["refuted"] == max(d.probabilities.values())
    assert consistent(d.verdict, d.confidence, d.probabilities, model) == []


def test_every_decision_shows_four_probabilities_and_the_confidence_of_its_verdict(model):
    cases = [
        [],
        [("Le gel de 24 heures fait partie d'une semaine d'action.", "fr", [0.3, 0.6, 0.1], 0.80)],
        [(KIM_PASSAGE, "fr", [0.95, 0.04, 0.01], 0.93)],
        [(KIM_PASSAGE, "fr", HESITANT, 0.93),
         ("Kim Kardashian compte 200 millions d'abonnés sur Instagram.", "fr", HESITANT, 0.93)],
    ]
    verdicts = set()
    for passages in cases:
        d = decide(_assess(model, KIM, passages) if passages else [], model)
        assert set(d.probabilities) == set(OUTCOMES)
        assert consistent(d.verdict, d.confidence, d.probabilities, model) == [], (passages, d)
        verdicts.add(d.verdict)
    assert {Verdict.NOT_ENOUGH_EVIDENCE, Verdict.SUPPORTED, Verdict.CONFLICTING} <= verdicts
    # the checker itself catches the issue's case: refuted at 6% beside supported 0.58
    wrong = consistent(Verdict.REFUTED, 0.06, {"supported": 0.58, "refuted": 0.37, "conflicting": 0.0,
                                               "not_enough_evidence": 0.05}, model)
    assert len(wrong) == 3


def test_a_reviewed_passage_is_evidence_of_known_stance_and_the_verdict_agrees_with_its_numbers(model):
    claim = "Kim Kardashian n'a que 10 millions d'abonnés sur Instagram"
    a = _assess(model, claim, [(KIM_PASSAGE, "fr", [0.6, 0.3, 0.1], 0.92),
                               ("Kim Kardashian boycotte Instagram mercredi.", "fr", HESITANT, 0.88)])
    d = decide(a, model)
    v = Verification(claim, "fr", d.verdict, d.confidence, [_record(x) for x in a], d.reasons, {}, d.probabilities)
    for reviewed in ({0: Stance.REFUTES}, {0: Stance.NEUTRAL}, {1: Stance.SUPPORTS}, {0: Stance.NEUTRAL,
                                                                                      1: Stance.SUPPORTS}):
        after = reverify(v, reviewed, model)
        assert consistent(after.verdict, after.confidence, after.probabilities, model) == [], (reviewed, after)
    assert reverify(v, {0: Stance.REFUTES}, model).verdict == Verdict.REFUTED
    assert reverify(v, {0: Stance.NEUTRAL}, model).verdict != Verdict.REFUTED
    assert reverify(v, {1: Stance.SUPPORTS}, model).verdict == Verdict.CONFLICTING


def _record(a):
    from service.verdict.types import Evidence

    return Evidence("passage", "fr", a.stance, {"supports": 0.5, "neutral": 0.3, "refutes": 0.2}, 0.1, {}, [],
                    a.evidence_score, a.strength, a.findings, a.reasons, a.known)


# ---------------------------------------------------------------- end to end: the seeds and a dated article

DATED = {"id": "dated-kim-octobre", "title": "Kim Kardashian franchit les 200 millions d'abonnés",
         "text": "Kim Kardashian compte désormais 200 millions d'abonnés sur Instagram, selon le réseau social.\n\n"
                 "La star de télé-réalité a fêté ce cap avec ses fans.",
         "source": "Le Journal des tests", "url": "https://example.org/kim-200", "published_at": "2020-10-01",
         "language": "fr"}
SEED_CLAIMS = [json.loads(line) for line in (REPO / "tests" / "data" / "seed_claims.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def client(config, embedder, tmp_path_factory):
    """The real app over the seeds plus one dated article written for this test (seeds/ unchanged)."""
    data_dir = tmp_path_factory.mktemp("coherent")
    with services_on_the_seeds(config, embedder, data_dir / "data", write_dated(data_dir)) as built:
        yield client_of(config, built)


def write_dated(folder):
    """The dated article (DATED) as a file in `folder`, for ingesting beside the seeds."""
    dated = folder / "dated.json"
    dated.write_text(json.dumps(DATED, ensure_ascii=False), encoding="utf-8")
    return dated


def _assert_coherent(result: dict, model, where: str) -> None:
    assert consistent(Verdict(result["verdict"]), result["confidence"], result["probabilities"], model) == [], \
        (where, result["verdict"], result["confidence"], result["probabilities"])
    side = {"supported": "supports", "refuted": "refutes"}.get(result["verdict"])
    if side:  # the verdict's side has a passage, and the explanation's probabilities are the ones shown
        assert any(e["stance"] == side for e in result["evidence"]), where


def test_the_verdict_agrees_with_its_numbers_on_every_seed_claim_and_every_reviewed_check(client, model):
    response = client.post("/v1/verify/batch", json={"claims": [c["claim"] for c in SEED_CLAIMS], "top_k": 10})
    assert response.status_code == 200, response.get_data(as_text=True)
    results = response.get_json()["results"]
    for case, result in zip(SEED_CLAIMS, results):
        _assert_coherent(result, model, case["id"])
    # reviewed checks: accept, reject and re-stance the first passages of a refuted and a supported claim
    for claim in ("Kim Kardashian n'a que 10 millions d'abonnés sur Instagram", "Katy Perry a 107 millions d'abonnés"):
        saved = client.post("/v1/checks", json={"claim": claim})
        assert saved.status_code in (200, 201), saved.get_data(as_text=True)
        check_id = saved.headers["Location"].rstrip("/").rsplit("/", 1)[1]
        for item, action, stance in ((0, "accept", None), (1, "reject", None), (2, "stance", "refutes"),
                                     (0, "stance", "neutral")):
            body = {"item": item, "action": action, "reviewer": "test", **({"stance": stance} if stance else {})}
            view = client.post(f"/v1/checks/{check_id}/reviews", json=body)
            assert view.status_code == 200, view.get_data(as_text=True)
            _assert_coherent(view.get_json()["result"], model, f"{claim} after {action} {item}")


def test_dated_values_that_disagree_are_conflicting_with_every_value_its_date_and_source(client):
    result = client.post("/v1/verify", json={"claim": "Kim Kardashian a 200 millions d'abonnés sur Instagram"}).get_json()
    assert result["verdict"] == "conflicting", result["explanation"]
    assert "values_disagree" in result["reasons"]
    dated = [f for e in result["evidence"] for f in e["findings"] if f["published_at"] == "2020-10-01"]
    assert dated and dated[0]["outcome"] == "match" and dated[0]["passage_value"].startswith("200")
    others = [f for e in result["evidence"] if e["stance"] == "refutes" for f in e["findings"]
              if f["kind"] == "quantity" and f["outcome"] == "conflict"]
    assert others and all(f["published_at"] != "2020-10-01" for f in others)
    values = next(line for line in result["explanation"] if line.startswith("Valeurs relevées"))
    # the date as the French reader reads it (render.py words dates with Babel since the i18n commits)
    assert "1 octobre 2020" in values and "Le Journal des tests" in values and "200 millions" in values
    assert "sans date" in values or "septembre 2020" in values  # the September seeds: dated (in words) or undated
    # an undated passage says so in its check line
    undated = [c for e in result["evidence"] for f, c in zip(e["findings"], e["checks"]) if f["published_at"] is None]
    assert all("non daté" in c for c in undated)


def test_a_claim_no_source_disputes_is_never_conflicting(client):
    for claim in ("Katy Perry a 107 millions d'abonnés", "Le gel des comptes Instagram dure 24 heures",
                  "La Tour Eiffel mesure 330 mètres"):
        result = client.post("/v1/verify", json={"claim": claim}).get_json()
        assert result["verdict"] != "conflicting", (claim, result["explanation"])
