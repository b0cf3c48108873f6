"""Numbers, dates and weekdays read out of a text (`extract`), for the rules
in rules.py: "plus de 188 millions d'abonnés sur Instagram" is a quantity
(188e6, followers, Instagram, at least).

Rules, not a model: NLI models are weakest exactly here (they read "188" and
"10" as similar tokens), and a fact-checker must be able to read why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from service.retrieve.text import fold, fold_offsets
from service.verdict.vocabulary import PLATFORMS

# Nouns that name what is counted, folded; synonyms across French and English
# share one concept so that a French claim can be checked against English text.
CONCEPTS = {
    "followers": ["abonnes", "abonne", "followers", "follower", "fans", "fan", "suiveurs", "abonnements"],
    "years": ["ans", "an", "annees", "years", "year", "yo"],
    "hours": ["heures", "heure", "hours", "hour", "h"],
    "days": ["jours", "jour", "days", "day", "journees", "journee"],
    "weeks": ["semaines", "semaine", "weeks", "week"],
    "months": ["mois", "months", "month"],
    "people": ["personnes", "people", "persons", "gens", "individus"],
    "advertisers": ["annonceurs", "annonceur", "advertisers", "advertiser", "marques", "brands", "entreprises", "companies"],
    "organisations": ["organisations", "organizations", "associations", "groupes", "groups", "organisation", "organization"],
    "words": ["mots", "words"],
    "points": ["points", "point", "demandes", "demands", "recommandations", "recommendations"],
    "percent": ["%", "pourcent", "percent", "pourcents"],
    "money": ["dollars", "dollar", "euros", "euro", "$", "€", "usd", "eur"],
    "votes": ["voix", "votes", "vote", "suffrages"],
    "deaths": ["morts", "mort", "deaths", "dead", "victimes", "victims", "tues", "killed"],
    "stars": ["celebrites", "celebrities", "stars", "personnalites"],
}
_CONCEPT_OF = {w: c for c, ws in CONCEPTS.items() for w in ws}
SCALES = {"million": 1e6, "millions": 1e6, "milliard": 1e9, "milliards": 1e9, "billion": 1e9, "billions": 1e9,
          "mille": 1e3, "thousand": 1e3, "thousands": 1e3, "millier": 1e3, "milliers": 1e3, "m": 1e6, "md": 1e9,
          "k": 1e3, "mn": 1e6, "bn": 1e9}
AT_LEAST = ["plus de", "more than", "over", "au moins", "at least", "above", "depasse", "exceeds", "exceeding"]
AT_MOST = ["moins de", "less than", "under", "fewer than", "au plus", "at most", "below", "pas plus de"]
ABOUT = ["environ", "pres de", "about", "around", "nearly", "almost", "quelque", "some", "approximately",
         "approximativement", "autour de", "roughly", "presque", "pratiquement"]
WEEKDAYS = {"lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5, "dimanche": 6,
            "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
MONTHS = {"janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7, "aout": 8,
          "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12, "january": 1, "february": 2,
          "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8, "september": 9,
          "october": 10, "november": 11, "december": 12}

_SPACE = "[ \u00a0\u202f]"
_NUMBER = re.compile(
    rf"(?<![\w.,])(\d{{1,3}}(?:{_SPACE}\d{{3}})+|\d{{1,3}}(?:,\d{{3}})+(?![,\d])|\d+(?:[.,]\d+)?)"
    rf"(?:{_SPACE}?(%|[a-z€$]+))?"
)
_MONTH_RE = "|".join(MONTHS)
_DATE_DM = re.compile(rf"\b(\d{{1,2}})(?:er)?\s+({_MONTH_RE})(?:\s+(\d{{4}}))?\b")
_DATE_MD = re.compile(rf"\b({_MONTH_RE})\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b")
_WEEKDAY_RE = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")s?\b")


@dataclass(frozen=True)
class Quantity:
    value: float
    concept: str | None
    platform: str | None
    bound: str  # "exact", "at_least", "at_most", "about"
    text: str
    # where it is written in the text given to `extract` (start, end); None when it cannot be told
    span: tuple[int, int] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Facts:
    quantities: tuple[Quantity, ...]
    dates: tuple[tuple[int, int, int | None], ...]  # (month, day, year)
    weekdays: tuple[int, ...]
    date_texts: tuple[str, ...] = ()  # each date as written (folded), in the order of `dates`
    weekday_texts: tuple[str, ...] = ()
    # Where each is written in the text (start, end), None when it cannot be told: date_spans in the order
    # of `dates`; weekday_spans: every weekday mentioned, with its folded name.
    date_spans: tuple[tuple[int, int] | None, ...] = ()
    weekday_spans: tuple[tuple[str, tuple[int, int] | None], ...] = ()


def extract(text: str) -> Facts:
    folded = fold(text)
    dates, date_spans = _dates(folded)
    quantities, last_concept = [], None
    for m in _NUMBER.finditer(folded):
        if any(a <= m.start() < b for a, b in date_spans):
            continue
        q = _quantity(folded, m, last_concept)
        if q is not None:
            quantities.append(q)
            last_concept = q.concept or last_concept
    found = _WEEKDAY_RE.findall(folded)
    weekdays = tuple(sorted({WEEKDAYS[w] for w in found}))
    date_texts = tuple(folded[a:b] for a, b in date_spans)
    at = fold_offsets(text)
    written = (lambda a, b: (at[a], at[b - 1] + 1) if at is not None and b > a else None)
    quantities = [replace(q, span=written(*q.span)) for q in quantities]
    return Facts(tuple(quantities), tuple(dates), weekdays, date_texts, tuple(dict.fromkeys(found)),
                 tuple(written(a, b) for a, b in date_spans),
                 tuple((m.group(1), written(*m.span())) for m in _WEEKDAY_RE.finditer(folded)))


def _dates(folded: str):
    dates, spans = [], []
    for m in _DATE_DM.finditer(folded):
        dates.append((MONTHS[m.group(2)], int(m.group(1)), int(m.group(3)) if m.group(3) else None))
        spans.append(m.span())
    for m in _DATE_MD.finditer(folded):
        dates.append((MONTHS[m.group(1)], int(m.group(2)), int(m.group(3)) if m.group(3) else None))
        spans.append(m.span())
    return dates, spans


def _to_float(digits: str) -> float:
    digits = re.sub(_SPACE, "", digits)
    if re.fullmatch(r"\d{1,3}(,\d{3})+", digits):
        return float(digits.replace(",", ""))
    return float(digits.replace(",", "."))


def _quantity(folded: str, m: re.Match, previous_concept: str | None) -> Quantity | None:
    value = _to_float(m.group(1))
    unit = m.group(2) or ""
    after = folded[m.end():]
    if unit in SCALES:
        value *= SCALES[unit]
    elif unit in _CONCEPT_OF:
        return _finish(value, _CONCEPT_OF[unit], folded, m, after)
    elif unit:
        # A number glued to another word ("covid19", "4g"): not a count.
        return None
    words = re.findall(r"[a-z%€$]+", after[:60])
    concept = None
    for w in words[:5]:
        if w in SCALES and concept is None and unit not in SCALES:
            value *= SCALES[w]
            unit = w
            continue
        if w in _CONCEPT_OF:
            concept = _CONCEPT_OF[w]
            break
        if w in ("de", "d", "of", "des", "du") or w in PLATFORMS:  # "189 million Instagram followers"
            continue
        if w in ("sur", "on", "et", "and"):
            break
    if concept is None and re.match(r"\s*(sur|on)\s", after) and previous_concept:
        concept = previous_concept  # "et 30 millions sur Facebook": the count named before
    if concept is None and 1900 <= value <= 2100 and not unit:
        return None  # a year, handled with dates
    return _finish(value, concept, folded, m, after)


def _finish(value, concept, folded, m, after) -> Quantity:
    before = folded[max(0, m.start() - 25): m.start()]
    bound = "exact"
    for words, name in ((AT_LEAST, "at_least"), (AT_MOST, "at_most"), (ABOUT, "about")):
        if any(re.search(rf"\b{w}\s*$", before) for w in words):
            bound = name
    platform = next((p for p in PLATFORMS if re.match(rf"[^.;:]{{0,40}}\b{p}\b", after)), None)
    return Quantity(value, concept, platform, bound, m.group(0), m.span())  # span in the folded text


def agrees(claim: Quantity, passage: Quantity) -> bool:
    c, p = claim.value, passage.value
    if passage.bound == "at_least":
        return c >= p * 0.98 or claim.bound == "at_least"
    if passage.bound == "at_most":
        return c <= p * 1.02 or claim.bound == "at_most"
    if claim.bound == "at_least":
        return p >= c * 0.98
    if claim.bound == "at_most":
        return p <= c * 1.02
    tolerance = 0.1 if "about" in (claim.bound, passage.bound) else 0.02
    return abs(c - p) <= tolerance * max(abs(c), abs(p))
