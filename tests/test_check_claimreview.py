"""ClaimReview drafts: valid schema.org JSON-LD that a fact-checking organisation can review and publish."""

from __future__ import annotations

import json

from service.check.claimreview import RATING_NAMES, claim_reviews, rating_name
from service.check.writers import ReportInfo, write_output
from service.verdict.types import VERDICTS
from tests.test_check_writers import INFO, LE_MONDE, sample_items


def required_problems(review: dict) -> list[str]:
    """What schema.org and Google's fact-check guidelines require of a ClaimReview, checked independently
    of the code that writes it: claimReviewed, reviewRating (a Rating with alternateName), url or
    itemReviewed, and an author with a name."""
    problems = []
    if review.get("@context") not in ("https://schema.org", "http://schema.org", "https://schema.org/"):
        problems.append("@context")
    if review.get("@type") != "ClaimReview":
        problems.append("@type")
    if not isinstance(review.get("claimReviewed"), str) or not review["claimReviewed"].strip():
        problems.append("claimReviewed")
    rating = review.get("reviewRating")
    if not isinstance(rating, dict) or rating.get("@type") != "Rating":
        problems.append("reviewRating")
    else:
        if not isinstance(rating.get("alternateName"), str) or not rating["alternateName"].strip():
            problems.append("reviewRating.alternateName")
        if "ratingValue" in rating:
            worst, best, value = rating.get("worstRating"), rating.get("bestRating"), rating["ratingValue"]
            if not all(isinstance(x, (int, float)) for x in (worst, best, value)) or not worst <= value <= best:
                problems.append("reviewRating.ratingValue within worstRating..bestRating")
    item = review.get("itemReviewed")
    if not review.get("url") and not (isinstance(item, dict) and item.get("@type") == "Claim"):
        problems.append("url or itemReviewed")
    author = review.get("author")
    if not isinstance(author, dict) or author.get("@type") not in ("Organization", "Person") or not author.get("name"):
        problems.append("author")
    return problems


def _reviews(tmp_path, items=None, info=INFO):
    path = tmp_path / "drafts.jsonld"
    write_output(path, "claimreview", items or sample_items(), info)
    return json.loads(path.read_text(encoding="utf-8"))


def test_every_draft_has_the_properties_claimreview_requires(tmp_path):
    reviews = _reviews(tmp_path)
    assert len(reviews) == 4
    for review in reviews:
        assert required_problems(review) == [], review


def test_drafts_are_marked_as_drafts_and_not_dated_as_published(tmp_path):
    for review in _reviews(tmp_path):
        # the draft note in the draft's language: its claim's here (test_check_language.py)
        note = "must review" if review["inLanguage"] == "en" else "doit relire"
        assert review["creativeWorkStatus"] == "Draft" and note in review["description"]
        assert "datePublished" not in review and review["dateCreated"] == "2024-05-02"
        assert review["author"] == {"@type": "Organization", "name": "Les Vérificateurs"}


def test_the_rating_is_named_in_the_claims_language(tmp_path):
    reviews = {r["identifier"]: r["reviewRating"] for r in _reviews(tmp_path)}
    assert reviews["c-1"] == {"@type": "Rating", "ratingValue": 5, "bestRating": 5, "worstRating": 1,
                              "alternateName": "Vrai"}
    assert reviews["c-2"]["alternateName"] == "Faux" and reviews["c-2"]["ratingValue"] == 1
    assert reviews["c-3"]["alternateName"] == "Disputed"  # an English claim
    assert reviews["line 6"]["alternateName"] == "Non vérifiable" and "ratingValue" not in reviews["line 6"]


def test_every_verdict_has_a_name_in_each_language():
    for language, names in RATING_NAMES.items():
        assert set(names) == set(VERDICTS), language
    assert rating_name("refuted", "fr") == "Faux" and rating_name("conflicting", "fr") == "Contesté"
    assert rating_name("supported", "en") == "True" and rating_name("not_enough_evidence", "en") == "Unverifiable"
    assert rating_name("refuted", "pt") == "False"  # no names for that language: English


def test_where_the_claim_appeared_and_who_made_it_come_from_the_input(tmp_path):
    review = _reviews(tmp_path)[0]
    assert review["itemReviewed"] == {
        "@type": "Claim", "name": "Kim Kardashian a 189 millions d'abonnés sur Instagram",
        "appearance": [{"@type": "CreativeWork", "url": "https://example.org/post/1"}],
        "author": {"@type": "Person", "name": "Un internaute"}}
    assert _reviews(tmp_path)[3]["itemReviewed"] == {"@type": "Claim", "name": "La Tour Eiffel mesure 330 mètres"}


def test_the_evidence_articles_are_cited_with_their_urls(tmp_path):
    reviews = _reviews(tmp_path)
    assert reviews[0]["citation"] == [{"@type": "CreativeWork", "name": "Kim Kardashian boycotte Instagram",
                                       "url": LE_MONDE, "publisher": {"@type": "Organization", "name": "Le Monde"},
                                       "datePublished": "2020-09-16"}]
    assert "url" not in reviews[1]["citation"][0]  # a javascript: address is not a citation url
    assert "citation" not in reviews[3]


def test_the_file_can_be_pasted_into_a_script_element(tmp_path):
    path = tmp_path / "drafts.json"
    write_output(path, "claimreview", sample_items(), ReportInfo("c.csv", "2024-05-02", 10))
    text = path.read_text(encoding="utf-8")
    assert "</script>" not in text and "<" not in text
    assert json.loads(text)[1]["claimReviewed"].endswith("<script>alert(1)</script>")
    assert claim_reviews(sample_items(), INFO)[1]["claimReviewed"] == json.loads(text)[1]["claimReviewed"]
