"""schema.org ClaimReview drafts, one per checked claim, as a JSON-LD array.

Each draft carries what search engines ask of a ClaimReview (claimReviewed,
reviewRating with its alternateName, itemReviewed, author) and is marked as a
draft: `creativeWorkStatus` "Draft" and a description saying that a person
must review it before publishing. It has no `datePublished` (only the draft's
`dateCreated`) and no `url`: the page that will host the published fact check
does not exist yet, and whoever publishes adds both.

The rating is a 1-5 scale (1 false, 3 disputed, 5 true); "not enough
evidence" has no place on that scale, so its draft has no ratingValue, only
its name ("Unverifiable"). Each draft is in one language (check/language.py: the
one asked for, else its claim's): the rating's name, the description and the
explanation (`reviewBody`); a rating name in a language without names here is
English, and so are the description and the explanation in a language without a
catalogue.

Facts about the claim itself come from the input's own columns when it has
them: where it appeared (`appearance`, `url`, `claim_url`, `source_url`), where
it first appeared (`first_appearance`), who made it (`author`, `claimant`,
`speaker`) and when (`claim_date`, `date`). The evidence passages' articles
are listed as `citation`.
"""

from __future__ import annotations

import json
import re

from service.check.checked import Checked, ReportInfo
from service.check.language import draft_language, explanation
from service.links import safe_url
from service.translations import N_, words

CONTEXT = "https://schema.org"
BEST, WORST = 5, 1
RATING_VALUES = {"refuted": 1, "conflicting": 3, "supported": 5, "not_enough_evidence": None}
RATING_NAMES = {
    "en": {"supported": "True", "refuted": "False", "conflicting": "Disputed", "not_enough_evidence": "Unverifiable"},
    "fr": {"supported": "Vrai", "refuted": "Faux", "conflicting": "Contesté", "not_enough_evidence": "Non vérifiable"},
    "es": {"supported": "Verdadero", "refuted": "Falso", "conflicting": "Disputado",
           "not_enough_evidence": "No verificable"},
    "de": {"supported": "Wahr", "refuted": "Falsch", "conflicting": "Umstritten",
           "not_enough_evidence": "Nicht überprüfbar"},
    "it": {"supported": "Vero", "refuted": "Falso", "conflicting": "Controverso",
           "not_enough_evidence": "Non verificabile"},
}
DRAFT_NOTE = N_("Draft generated automatically by Recoupe from its article corpus. A person must review the "
                "rating, the explanation and the evidence, and add the url and datePublished of the published "
                "fact check, before publishing.")

_APPEARANCE = ("appearance", "url", "claim_url", "source_url", "link")
_FIRST_APPEARANCE = ("first_appearance", "first_appearance_url", "firstappearance")
_AUTHOR = ("author", "claim_author", "claimant", "speaker")
_CLAIM_DATE = ("claim_date", "date", "date_published")


def rating_name(verdict: str, language: str) -> str:
    names = RATING_NAMES.get((language or "").lower()[:2], RATING_NAMES["en"])
    return names[verdict]


def claim_review(item: Checked, info: ReportInfo) -> dict:
    r = item.result
    language = draft_language(item, info)
    w = words(language)
    rating = {"@type": "Rating", "ratingValue": RATING_VALUES.get(r["verdict"]), "bestRating": BEST,
              "worstRating": WORST, "alternateName": rating_name(r["verdict"], language)}
    if rating["ratingValue"] is None:
        del rating["ratingValue"]
    review = {
        "@context": CONTEXT,
        "@type": "ClaimReview",
        "creativeWorkStatus": "Draft",
        "description": w.gettext(DRAFT_NOTE),
        "dateCreated": info.date,
        "identifier": item.row.id if item.row.id is not None else f"line {item.row.line_no}",
        "inLanguage": language,
        "claimReviewed": r["claim"],
        "reviewRating": rating,
        "reviewBody": " ".join(explanation(r, w.lang)),
        "itemReviewed": _claim(item),
        "author": {"@type": "Organization", "name": info.organization},
    }
    citations = _citations(r)
    if citations:
        review["citation"] = citations
    return review


def claim_reviews(items: list[Checked], info: ReportInfo) -> list[dict]:
    return [claim_review(item, info) for item in items]


def render_claimreviews(items: list[Checked], info: ReportInfo) -> str:
    text = json.dumps(claim_reviews(items, info), ensure_ascii=False, indent=2)
    # Still the same JSON, and safe to paste inside a <script type="application/ld+json"> element.
    return text.replace("<", "\\u003c").replace(">", "\\u003e") + "\n"


def _claim(item: Checked) -> dict:
    extra = {_norm(k): v for k, v in item.row.extra.items()}
    claim = {"@type": "Claim", "name": item.result["claim"]}
    appearances = _urls(_first(extra, _APPEARANCE))
    if appearances:
        claim["appearance"] = [{"@type": "CreativeWork", "url": u} for u in appearances]
    first = _urls(_first(extra, _FIRST_APPEARANCE))
    if first:
        claim["firstAppearance"] = {"@type": "CreativeWork", "url": first[0]}
    author = _first(extra, _AUTHOR)
    if isinstance(author, str) and author.strip():
        claim["author"] = {"@type": "Person", "name": author.strip()}
    elif isinstance(author, dict) and author.get("name"):
        claim["author"] = {"@type": author.get("@type", "Person"), **author}
    date = _first(extra, _CLAIM_DATE)
    if isinstance(date, str) and re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", date.strip()):
        claim["datePublished"] = date.strip()
    return claim


def _citations(result: dict) -> list[dict]:
    """The articles of the supporting and refuting passages, each once."""
    out, seen = [], set()
    for e in result.get("evidence") or []:
        if e["stance"] == "neutral":
            continue
        for s in e.get("sources") or []:
            key = s.get("url") or s.get("article_id")
            if key in seen:
                continue
            seen.add(key)
            work = {"@type": "CreativeWork", "name": s.get("title") or ""}
            if safe_url(s.get("url")):
                work["url"] = s["url"]
            if s.get("source"):
                work["publisher"] = {"@type": "Organization", "name": s["source"]}
            if s.get("published_at"):
                work["datePublished"] = s["published_at"]
            out.append(work)
    return out


def _norm(name: str) -> str:
    return re.sub(r"[\s-]+", "_", str(name).strip().lower())


def _first(extra: dict, names: tuple[str, ...]):
    for name in names:
        value = extra.get(name)
        if value not in (None, "", []):
            return value
    return None


def _urls(value) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [v.strip() for v in values if isinstance(v, str) and safe_url(v.strip())]
