"""Request and response shapes of earlier checks, published fact-checks and claim extraction."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.api.validators import Length, OneOf, Range
from service.factchecks.library import MAX_FACT_CHECKS_PER_REQUEST
from service.limits import MAX_CLAIM_CHARS
from service.translations import N_


class MatchOut(Schema):
    kind = fields.String(required=True, validate=OneOf(["check", "fact_check"]))
    id = fields.String(required=True)
    claim = fields.String(required=True)
    rating = fields.String(required=True, metadata={
        "description": "a saved check's verdict (its reviewed verdict when reviewed); a fact-check's rating as "
                       "published"})
    date = fields.String(required=True, metadata={"description": "YYYY-MM-DD, or empty when unknown"})
    url = fields.String(required=True, metadata={
        "description": "a fact-check's address; a saved check's permalink path (/checks/<id>)"})
    similarity = fields.Float(required=True, validate=Range(0, 1), metadata={
        "description": "the calibrated probability that this is the same claim (models/matching)"})
    cosine = fields.Float(required=True)
    near_duplicate = fields.Boolean(required=True, metadata={"description": "the same claim, worded alike"})
    language = fields.String(required=True)
    author = fields.String(required=True)
    reviewed = fields.Boolean(required=True)
    confidence = fields.Float(allow_none=True, required=True)


class AlreadyCheckedOut(Schema):
    checks = fields.List(fields.Nested(MatchOut), required=True, metadata={
        "description": "saved checks of the same claim, reviewed ones first"})
    fact_checks = fields.List(fields.Nested(MatchOut), required=True, metadata={
        "description": "published fact-checks of the same claim, likeliest first"})


FACT_CHECK_OBJECT = {
    "type": "object",
    "description": "a schema.org ClaimReview (claimReviewed, reviewRating.alternateName, datePublished, url, "
                   "author) or a plain object with claim, rating, date (YYYY-MM-DD), url, author",
    "properties": {
        "@type": {"type": "string", "example": "ClaimReview"},
        "claimReviewed": {"type": "string"},
        "reviewRating": {"type": "object", "properties": {"alternateName": {"type": "string"}}},
        "datePublished": {"type": "string"},
        "url": {"type": "string"},
        "author": {"type": "object", "properties": {"name": {"type": "string"}}},
        "claim": {"type": "string"}, "rating": {"type": "string"}, "date": {"type": "string"},
    },
}
FACT_CHECKS_BODY = {"oneOf": [FACT_CHECK_OBJECT, {"type": "array", "items": FACT_CHECK_OBJECT, "minItems": 1,
                                                  "maxItems": MAX_FACT_CHECKS_PER_REQUEST}]}


class BadRecordOut(Schema):
    file = fields.String(required=True)
    where = fields.String(required=True, metadata={"description": "the record's position: line, item or script"})
    reason = fields.String(required=True)


class ImportResponse(Schema):
    added = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    ids = fields.List(fields.String(), required=True)
    bad_records = fields.List(fields.Nested(BadRecordOut), required=True, metadata={
        "description": "records skipped, with their position and why; the others were kept"})


class FactCheckOut(Schema):
    id = fields.String(required=True)
    claim = fields.String(required=True)
    rating = fields.String(required=True)
    date = fields.String(required=True)
    url = fields.String(required=True)
    author = fields.String(required=True)
    language = fields.String(required=True)
    imported_at = fields.String(required=True)


class FactCheckListResponse(Schema):
    fact_checks = fields.List(fields.Nested(FactCheckOut), required=True)
    total = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    next_offset = fields.Integer(allow_none=True, required=True)


class FactCheckDeleted(Schema):
    id = fields.String(required=True)
    deleted = fields.Boolean(required=True)


def _list_query():
    from service.api.schemas import MAX_OFFSET, MAX_PAGE, Text

    class FactCheckListQuery(Schema):
        q = Text(load_default="", validate=Length(max=200),
                 metadata={"description": "words of the claim, rating or author"})
        limit = fields.Integer(load_default=50, validate=Range(1, MAX_PAGE))
        offset = fields.Integer(load_default=0, validate=Range(0, MAX_OFFSET))

    return FactCheckListQuery


def _match_request():
    from service.api.schemas import ClaimText

    class MatchRequest(Schema):
        claim = ClaimText(required=True, validate=Length(1, MAX_CLAIM_CHARS),
                          metadata={"description": "the claim to look up among earlier checks and fact-checks"})

    return MatchRequest


FactCheckListQuery = _list_query()
MatchRequest = _match_request()


# --- what to check in a text ---------------------------------------------------------


def _extract_request():
    from service.api.schemas import Text
    from service.checkworthy.extract import MAX_SENTENCES, MAX_TEXT_CHARS

    class ExtractRequest(Schema):
        text = Text(required=True, strip=False, validate=Length(1, MAX_TEXT_CHARS), metadata={
            "description": "an article, a transcript or a speech (plain text; paragraphs by blank lines)"})
        top = fields.Integer(strict=True, validate=Range(1, MAX_SENTENCES),
                             metadata={"description": "only the best N sentences (default: all, ranked)"})
        language = Text(validate=validate.Regexp(r"^[a-z]{2,3}$", error=N_("must be a language code such as 'fr' or 'en'")),
                        metadata={"description": "the text's language (default: detected)"})

    return ExtractRequest


class RankedSentenceOut(Schema):
    rank = fields.Integer(required=True)
    position = fields.Integer(required=True, metadata={"description": "the sentence's order in the text, from 0"})
    text = fields.String(required=True)
    start = fields.Integer(required=True)
    end = fields.Integer(required=True)
    score = fields.Float(required=True, validate=Range(0, 1), metadata={
        "description": "the check-worthiness model's probability that a fact-checker would check it"})
    check_worthy = fields.Boolean(required=True, metadata={"description": "score at or above the model's threshold"})
    reasons = fields.List(fields.String(), required=True, metadata={
        "description": "what a fact-checker would notice: numbers, percent_or_amount, date, names, comparison, cause, "
                       "attribution; question, opinion, future, greeting"})


class ExtractResponse(Schema):
    language = fields.String(required=True)
    total = fields.Integer(required=True, metadata={"description": "sentences ranked"})
    threshold = fields.Float(required=True)
    sentences = fields.List(fields.Nested(RankedSentenceOut), required=True)
    timings_ms = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)


ExtractRequest = _extract_request()
