"""Verdict rules: contradiction first, conflicting sources, never true by default."""

from __future__ import annotations

from service.verdict.decide import about_same_subject, decide, stance_of
from service.verdict.dedupe import same_passage
from service.verdict.types import Evidence, Source


def _ev(sup, ref, article="a1", checks=()):
    probs = {"supports": sup, "refutes": ref, "neutral": round(1 - sup - ref, 4)}
    stance, _ = stance_of(probs, any(c.startswith("conflict:") for c in checks))
    src = Source(article, f"Titre {article}", f"{article}.txt", None, None, "fr", 1, 0, 10)
    return Evidence("Une phrase de preuve.", "fr", stance, probs, 0.03, {"title": "", "before": "", "after": ""},
                    [src], list(checks))


def test_nothing_confident_is_not_enough_evidence_never_true():
    verdict, confidence, why = decide([_ev(0.3, 0.1), _ev(0.2, 0.2)])
    assert verdict == "not_enough_evidence"
    assert abs(confidence - 0.7) < 1e-9 and "No passage" in why[0]
    assert decide([])[0] == "not_enough_evidence"


def test_one_confident_support_is_supported():
    verdict, confidence, _ = decide([_ev(0.92, 0.02), _ev(0.1, 0.1)])
    assert (verdict, confidence) == ("supported", 0.92)


def test_contradiction_is_weighed_before_a_weaker_support():
    verdict, _, why = decide([_ev(0.6, 0.1, "a1"), _ev(0.05, 0.7, "a2")])
    assert verdict == "refuted" and "weighed first" in why[0]


def test_strong_evidence_both_ways_is_conflicting():
    verdict, confidence, _ = decide([_ev(0.9, 0.02, "a1"), _ev(0.03, 0.85, "a2")])
    assert (verdict, confidence) == ("conflicting", 0.85)


def test_a_quantity_conflict_refutes_even_when_the_model_missed_it():
    ev = _ev(0.2, 0.1, checks=['conflict: the claim says "10 millions" (followers) where the passage says "189 millions"'])
    assert ev.stance == "refutes"
    verdict, confidence, why = decide([ev])
    assert verdict == "refuted" and confidence >= 0.9
    assert any("10 millions" in w and "whatever the stance model read" in w for w in why)


def test_numbers_about_someone_else_do_not_count():
    assert not about_same_subject("Kim Kardashian a 107 millions d'abonnés",
                                  "De son côté, Katy Perry et ses 107 millions d'abonnés ont suivi le mouvement")
    assert not about_same_subject("Kim Kardashian a 10 millions d'abonnés",
                                  "De son côté, Katy Perry et ses 107 millions d’abonnés ont suivi",
                                  "Kim Kardashian et Katy Perry cessent de publier sur Instagram")
    assert about_same_subject("Kim Kardashian a 10 millions d'abonnés",
                              "\"J'aime pouvoir me connecter\", écrit la star aux 189 millions d'abonnés",
                              "Plusieurs stars dont Kim Kardashian et Leonardo DiCaprio boycottent Facebook")
    assert about_same_subject("Kim Kardashian a 10 millions d'abonnés",
                              "Pour que vous mesuriez, Kim Kardashian compte plus de 188 millions d’abonnés")


def test_the_same_quote_in_two_articles_is_one_passage():
    a = ("\"J'aime pouvoir me connecter directement avec vous via Instagram et Facebook, mais je ne peux pas rester "
         "assis et silencieux alors que ces plateformes continuent à permettre la diffusion de haine\"")
    b = ("\"J'aime pouvoir me connecter directement avec vous via Instagram et Facebook, mais je ne peux pas rester "
         "assise et silencieuse alors que ces plateformes continuent à permettre la diffusion de haine\", écrit la star")
    assert same_passage(a, b)
    assert not same_passage(a, "Facebook a depuis pris plusieurs mesures contre les discours de haine.")


def test_a_passage_off_the_claims_topic_neither_supports_nor_refutes():
    from service.verdict.decide import stance_of
    from service.verdict.relevance import on_topic

    tweet = "I love that I can connect directly with you through Instagram"
    title = "Kim Kardashian gèle son compte Instagram"
    assert not on_topic("Le PSG a gagné la Ligue des champions en 2020", "fr", tweet, "en", title)
    assert not on_topic("Elon Musk bought Twitter", "en", tweet, "en", title)
    assert not on_topic("Le vaccin contre la grippe est disponible en pharmacie", "fr",
                        "Le gel de 24 heures fait partie d'une semaine d'action contre la haine", "fr")
    assert on_topic("Kim Kardashian will not post on Instagram on Wednesday", "en",
                    "Kim Kardashian a annoncé qu'elle ne publierait pas mercredi.", "fr")
    assert on_topic("Kim Kardashian a annoncé son boycott sur Twitter", "fr",
                    "Mardi soir, Kim Kardashian West a annoncé, sur Twitter, qu'elle gèlerait son compte.", "fr")
    probs = {"supports": 0.05, "neutral": 0.15, "refutes": 0.8}
    assert stance_of(probs, rule_conflict=False, on_topic=False)[0] == "neutral"
    assert stance_of(probs, rule_conflict=False, on_topic=True)[0] == "refutes"
