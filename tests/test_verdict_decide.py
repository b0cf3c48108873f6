"""From passage assessments to a verdict, with the committed verdict model: never true by default,
a clear refutation beats a weak support, strong evidence both ways is conflicting, a rule conflict
refutes, and passages about someone else do not count."""

from __future__ import annotations

import numpy as np
import pytest

from service.config import Config
from service.verdict.assess import assess_all, inputs
from service.verdict.decide import decide
from service.verdict.dedupe import same_passage
from service.verdict.features import with_gaps
from service.verdict.model import VerdictModel
from service.verdict.facts import ClaimFacts, PassageFacts
from service.verdict.subjects import subject_of
from service.verdict.types import ClaimReason, Outcome, Reason, Stance, Verdict

CLAIM = "Kim Kardashian a 189 millions d'abonnés sur Instagram"
ON_TOPIC = "Kim Kardashian compte 189 millions d'abonnés sur Instagram, selon le réseau social."
OFF_TOPIC = "Le gel de 24 heures fait partie d'une semaine d'action contre la haine en ligne."


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
    """passages: (text, [p_supports, p_neutral, p_refutes], cosine)."""
    rows, found = [], []
    for text, probs, cosine in passages:
        x, f = _inputs(claim, claim_language, text, "fr", probs, cosine)
        rows.append(x)
        found.append(f)
    return assess_all(with_gaps(np.vstack(rows)), found, model)


def test_nothing_confident_is_not_enough_evidence_never_true(model):
    a = _assess(model, CLAIM, [(OFF_TOPIC, [0.3, 0.6, 0.1], 0.80), (OFF_TOPIC + " Encore.", [0.2, 0.6, 0.2], 0.79)])
    d = decide(a, model)
    assert d.verdict == Verdict.NOT_ENOUGH_EVIDENCE and d.reasons
    assert decide([], model).verdict == Verdict.NOT_ENOUGH_EVIDENCE
    assert decide([], model).reasons == [ClaimReason.NOTHING_RETRIEVED]


def test_one_confident_on_topic_support_is_supported_with_a_calibrated_probability(model):
    a = _assess(model, CLAIM, [(ON_TOPIC, [0.95, 0.04, 0.01], 0.93), (OFF_TOPIC, [0.1, 0.8, 0.1], 0.80)])
    d = decide(a, model)
    assert d.verdict == Verdict.SUPPORTED and d.reasons == [ClaimReason.SUPPORT_WINS]
    assert a[0].stance == Stance.SUPPORTS and a[0].evidence_score > a[1].evidence_score
    assert d.confidence == pytest.approx(d.probabilities["supported"], abs=1e-3)
    assert abs(sum(d.probabilities.values()) - 1) < 1e-3


def test_a_clear_refutation_beats_a_weak_support(model):
    """The refuting passage is labelled so and the claim is never called supported. Whether the
    model alone commits to "refuted" depends on its abstention threshold, chosen for precision: with
    the shipped stance model it does not (models/verdict/metrics.json), so that is not asserted."""
    claim = "Kim Kardashian a quitté Instagram définitivement"
    a = _assess(model, claim, [
        ("Kim Kardashian n'a pas quitté Instagram : elle a seulement gelé son compte Instagram une journée.",
         [0.03, 0.05, 0.92], 0.92),
        ("Kim Kardashian parle souvent d'Instagram à ses fans.", [0.35, 0.55, 0.10], 0.85)])
    d = decide(a, model)
    assert a[0].stance == Stance.REFUTES and d.verdict != Verdict.SUPPORTED
    assert d.probabilities["refuted"] > d.probabilities["supported"]


def test_strong_evidence_both_ways_is_conflicting(model):
    claim = "Kim Kardashian a gelé son compte Instagram mercredi"
    a = _assess(model, claim, [
        ("Kim Kardashian a gelé son compte Instagram mercredi, comme annoncé.", [0.97, 0.02, 0.01], 0.95),
        ("Kim Kardashian n'a finalement pas gelé son compte Instagram mercredi.", [0.01, 0.02, 0.97], 0.95)])
    d = decide(a, model)
    assert d.verdict == Verdict.CONFLICTING and d.reasons == [ClaimReason.BOTH_SIDES]


def test_a_quantity_conflict_refutes_even_when_the_stance_model_missed_it(model):
    claim = "Kim Kardashian n'a que 10 millions d'abonnés sur Instagram"
    a = _assess(model, claim, [(ON_TOPIC, [0.6, 0.3, 0.1], 0.92)])
    assert a[0].stance == Stance.REFUTES and Reason.RULE_CONFLICT in a[0].reasons
    f = a[0].findings[0]
    assert (f.outcome, f.claim_value, f.passage_value) == (Outcome.CONFLICT, "10 millions", "189 millions")
    assert decide(a, model).verdict == Verdict.REFUTED


def about_same_subject(claim: str, passage: str, context: str = "") -> bool:
    return subject_of(ClaimFacts.of(claim, "fr"), PassageFacts.of(passage, "fr", context)).same


def test_numbers_about_someone_else_do_not_count():
    assert not about_same_subject("Kim Kardashian a 107 millions d'abonnés",
                                  "De son côté, Katy Perry et ses 107 millions d'abonnés ont suivi le mouvement")
    assert not about_same_subject("Kim Kardashian a 10 millions d'abonnés",
                                  "De son côté, Katy Perry et ses 107 millions d’abonnés ont suivi",
                                  "Kim Kardashian et Katy Perry cessent de publier sur Instagram")
    assert about_same_subject("Kim Kardashian a 10 millions d'abonnés",
                              "\"J'aime pouvoir me connecter\", écrit la star aux 189 millions d'abonnés",
                              "Plusieurs stars dont Kim Kardashian et Leonardo DiCaprio boycottent Facebook")


def test_a_passage_naming_only_other_people_is_set_aside_as_such(model):
    claim = "Kim Kardashian a 107 millions d'abonnés"
    a = _assess(model, claim, [("De son côté, Katy Perry et ses 107 millions d'abonnés ont suivi le mouvement.",
                                [0.9, 0.05, 0.05], 0.88)])
    assert Reason.OTHER_SUBJECT in a[0].reasons
    assert a[0].findings == [] or all(f.outcome != Outcome.CONFLICT for f in a[0].findings)


def test_the_same_quote_in_two_articles_is_one_passage():
    a = ("\"J'aime pouvoir me connecter directement avec vous via Instagram et Facebook, mais je ne peux pas rester "
         "assis et silencieux alors que ces plateformes continuent à permettre la diffusion de haine\"")
    b = ("\"J'aime pouvoir me connecter directement avec vous via Instagram et Facebook, mais je ne peux pas rester "
         "assise et silencieuse alors que ces plateformes continuent à permettre la diffusion de haine\", écrit la star")
    assert same_passage(a, b)
    assert not same_passage(a, "Facebook a depuis pris plusieurs mesures contre les discours de haine.")


def test_the_verdict_model_file_holds_its_thresholds_and_how_they_were_chosen(model):
    assert 0 < model.abstain["supported"] < 1 and 0 < model.abstain["refuted"] < 1
    assert 0.5 <= model.conflict <= 1 and 0 < model.evidence_threshold < 1
    assert "precision" in model.info["how_thresholds_were_chosen"]
    assert model.info["stance_model"]
