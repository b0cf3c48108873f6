"""The quantity and date check a fact-checker relies on when the model misses a number."""

from __future__ import annotations

from service.verdict.quantities import compare, extract

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
    assert check.conflicts and "10 millions" in check.conflicts[0] and "189 millions" in check.conflicts[0]


def test_english_claim_is_checked_against_french_numbers():
    assert compare("Kim Kardashian has 10 million followers on Instagram", P003).conflicts
    assert compare("Kim Kardashian has 189 million Instagram followers", P003).matches


def test_more_than_188_is_consistent_with_189():
    check = compare("Kim Kardashian a 189 millions d'abonnés sur Instagram", P002)
    assert not check.conflicts and check.matches


def test_counts_on_another_platform_are_not_compared():
    check = compare("Kim Kardashian a 30 millions d'abonnés sur Facebook", P002)
    assert not check.conflicts and check.matches


def test_a_different_weekday_or_date_conflicts():
    passage = "Kim Kardashian a annoncé qu'elle allait boycotter Instagram ce mercredi 16 septembre."
    assert compare("Kim Kardashian boycottera Instagram jeudi", passage).conflicts
    assert compare("Kim Kardashian will boycott Instagram on September 17", passage).conflicts
    assert not compare("Kim Kardashian boycottera Instagram mercredi 16 septembre", passage).conflicts


def test_years_and_ages_are_not_confused():
    facts = extract("Kyle Rittenhouse, 17 ans, en 2020.")
    assert [(q.value, q.concept) for q in facts.quantities] == [(17, "years")]
    assert not compare("Kyle Rittenhouse a 17 ans", "Kyle Rittenhouse, 17 ans, a été inculpé.").conflicts
    assert compare("Kyle Rittenhouse a 25 ans", "Kyle Rittenhouse, 17 ans, a été inculpé.").conflicts
