"""The quantity and date check a fact-checker relies on when the model misses a number:
like compared with like, and both values shown."""

from __future__ import annotations

from service.verdict.facts import ClaimFacts, PassageFacts
from service.verdict.quantities import extract
from service.verdict.rules import findings
from service.verdict.subjects import subject_of
from service.verdict.types import FindingKind, Outcome


class _Check:
    def __init__(self, found):
        self.conflicts = [f for f in found if f.outcome == Outcome.CONFLICT]
        self.matches = [f for f in found if f.outcome == Outcome.MATCH]
        self.set_aside = [f for f in found if f.outcome in (Outcome.OTHER_EVENT, Outcome.OTHER_ENTITY)]


def compare(claim: str, passage: str, context: str = "", claim_language: str = "fr",
            passage_language: str = "fr") -> _Check:
    c, p = ClaimFacts.of(claim, claim_language), PassageFacts.of(passage, passage_language, context)
    return _Check(findings(c, p, subject_of(c, p)))


P002 = ("Pour que vous mesuriez l’ampleur de cette déclaration, Kim Kardashian compte plus de 188 millions "
        "d’abonnés sur Instagram et 30 millions sur Facebook.")
P003 = "écrit la star aux 189 millions d'abonnés sur Instagram et 31 millions de fans sur Facebook."


def test_french_numbers_with_thin_spaces_and_decimal_commas_are_read():
    q = extract("Plus de 1\u202f200 annonceurs et 6\u00a0600 mots ; la hausse atteint 27,5 %.").quantities
    assert [(x.value, x.concept) for x in q] == [(1200, "advertisers"), (6600, "words"), (27.5, "percent")]
    assert q[0].bound == "at_least"


def test_scale_words_multiply_and_the_counted_thing_is_found():
    q = extract(P002).quantities
    assert [(x.value, x.concept, x.platform) for x in q] == [
        (188e6, "followers", "instagram"), (30e6, "followers", "facebook")]


def test_a_smaller_follower_count_conflicts():
    check = compare("Kim Kardashian n'a que 10 millions d'abonnés sur Instagram", P003)
    f = check.conflicts[0]
    assert (f.kind, f.claim_value, f.passage_value, f.unit) == (FindingKind.QUANTITY, "10 millions", "189 millions",
                                                                "followers")


def test_english_claim_is_checked_against_french_numbers():
    assert compare("Kim Kardashian has 10 million followers on Instagram", P003, claim_language="en").conflicts
    assert compare("Kim Kardashian has 189 million Instagram followers", P003, claim_language="en").matches


def test_more_than_188_is_consistent_with_189():
    check = compare("Kim Kardashian a 189 millions d'abonnés sur Instagram", P002)
    assert not check.conflicts and check.matches


def test_counts_on_another_platform_are_not_compared():
    check = compare("Kim Kardashian a 30 millions d'abonnés sur Facebook", P002)
    assert not check.conflicts and check.matches


def test_a_different_weekday_or_date_conflicts():
    passage = "Kim Kardashian a annoncé qu'elle allait boycotter Instagram ce mercredi 16 septembre."
    assert compare("Kim Kardashian boycottera Instagram jeudi", passage).conflicts
    assert compare("Kim Kardashian will boycott Instagram on September 17", passage, claim_language="en").conflicts
    assert not compare("Kim Kardashian boycottera Instagram mercredi 16 septembre", passage).conflicts


def test_years_and_ages_are_not_confused():
    facts = extract("Kyle Rittenhouse, 17 ans, en 2020.")
    assert [(q.value, q.concept) for q in facts.quantities] == [(17, "years")]
    assert not compare("Kyle Rittenhouse a 17 ans", "Kyle Rittenhouse, 17 ans, a été inculpé.").conflicts
    assert compare("Kyle Rittenhouse a 25 ans", "Kyle Rittenhouse, 17 ans, a été inculpé.").conflicts


def test_a_weekday_of_another_event_does_not_refute():
    """She posted on Tuesday that she would not post on Wednesday: "not on Wednesday" is not refuted by Tuesday."""
    tuesday = ("“J’adore pouvoir me connecter directement avec vous via Instagram et Facebook”, Kardashian West "
               "publié sur les réseaux sociaux mardi, avec un graphique de marque Stop Hate.")
    check = compare("Kim Kardashian ne publiera pas sur Instagram mercredi.", tuesday)
    assert not check.conflicts
    f = check.set_aside[0]
    assert (f.kind, f.outcome, f.claim_value, f.passage_value) == (FindingKind.WEEKDAY, Outcome.OTHER_EVENT,
                                                                    "mercredi", "mardi")
    en = compare("Kim Kardashian will not post on Instagram on Wednesday", tuesday, claim_language="en")
    assert not en.conflicts and en.set_aside


def test_a_count_of_another_unit_or_entity_is_not_compared():
    followers = "Pour que vous mesuriez, Kim Kardashian compte plus de 188 millions d’abonnés sur Instagram."
    advertisers = "En juin, plus de 1 200 annonceurs ont suspendu leurs publicités sur Facebook."
    assert compare(advertisers, followers).conflicts == []
    katy = "De son côté, Katy Perry et ses 107 millions d'abonnés ont suivi le mouvement."
    check = compare("Kim Kardashian a 10 millions d'abonnés", katy)
    assert not check.conflicts
    f = check.set_aside[0]
    assert (f.outcome, f.claim_value, f.passage_value) == (Outcome.OTHER_ENTITY, "10 millions", "107 millions")
