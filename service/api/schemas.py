"""The shape of every request and response of the HTTP API.

Requests are loaded (validated) with these schemas; responses are dumped with
them; the OpenAPI document is generated from them. Response schemas mirror
`service.verdict.types` and the index records field for field.
"""

from __future__ import annotations

import datetime as dt
import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from service.claims import read_claim
from service.errors import InvalidInput
from service.limits import (DEFAULT_TOP_K, MAX_ARTICLES_PER_REQUEST, MAX_BATCH_CHARS, MAX_BATCH_CLAIMS,
                            MAX_CLAIM_CHARS, MAX_TOP_K)
from service.api.validators import BETWEEN, CLAIMS_PER_REQUEST, Length, OneOf, Range
from service.translations import N_  # messages the API says in the reader's language (api/errors.py)
from service.translations.messages import Message
from service.verdict.types import STANCES, VERDICTS, ClaimReason, FindingKind, Outcome, Reason

MAX_PAGE = 200
# Offsets past this cannot name a stored article, and SQLite's integers end at 2**63.
MAX_OFFSET = 2**53

_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_ISO_DATE = re.compile(r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")
# What the OpenAPI document promises: years 0001-9999, months 01-12, days 01-31
# (no lookaround, so every JSON Schema validator and generator reads it alike).
_ISO_DATE_DOC = ("^([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"
                 "(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$")
# published_at of an article: the ingest rule (service.ingest.loaders), a date with an optional time.
_PUBLISHED_AT_DOC = ("^[0-9]{4}(-[0-9]{2}(-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?"
                     "(Z|[+-][0-9]{2}:?[0-9]{2})?)?)?)?$")


# --- fields --------------------------------------------------------------------


def _refuse_lone_surrogates(value: str) -> None:
    """JSON can carry lone surrogates that no UTF-8 store or log can hold: refuse them at the door."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(N_("must be valid Unicode text (it holds a lone surrogate)")) from None


class Text(fields.String):
    """A string of valid Unicode, optionally stripped of surrounding spaces before validation."""

    def __init__(self, *args, strip: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.strip = strip

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        _refuse_lone_surrogates(value)
        return value.strip() if self.strip else value


class IsoDate(Text):
    """A calendar date as YYYY, YYYY-MM or YYYY-MM-DD; bounds are inclusive at that precision."""

    def __init__(self, **kwargs):
        metadata = {"pattern": _ISO_DATE_DOC, "example": "2020-09-16", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not _ISO_DATE.match(value):
            raise ValidationError(N_("must be an ISO date: YYYY, YYYY-MM or YYYY-MM-DD"))
        parts = [int(p) for p in value.split("-")] + [1, 1]
        try:
            dt.date(parts[0], parts[1], parts[2])
        except ValueError:
            raise ValidationError(Message(N_("%(value)s is not a calendar date"), value=value)) from None
        return value


class ClaimText(fields.String):
    """A claim, read as every door reads it (`service.claims.read_claim`: normalised, its length
    checked as sent), refused with that function's message."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        _refuse_lone_surrogates(value)
        try:
            return read_claim(value)
        except InvalidInput as exc:
            raise ValidationError(Message(exc.template, **exc.values)) from None


def _language_list():
    return fields.List(
        Text(validate=validate.Regexp(_LANGUAGE, error=N_("must be a language code such as 'fr' or 'en'"))),
        validate=Length(1, 20),
        metadata={"description": "only evidence passages in these languages", "example": ["fr", "en"]},
    )


# --- verification requests -------------------------------------------------------


class VerifyOptions(Schema):
    top_k = fields.Integer(
        strict=True,
        load_default=DEFAULT_TOP_K,
        validate=Range(1, MAX_TOP_K, error=BETWEEN),
        metadata={"description": "how many evidence passages to retrieve and weigh"},
    )
    languages = _language_list()
    sources = fields.List(
        Text(validate=Length(1, 200)),
        validate=Length(1, 50),
        metadata={"description": "only evidence from articles of these sources"},
    )
    date_from = IsoDate(metadata={"description": "only articles published on or after this date"})
    date_to = IsoDate(metadata={"description": "only articles published on or before this date"})
    include_undated = fields.Boolean(load_default=False, metadata={
        "description": "with date_from or date_to, also weigh articles whose publication date is unknown "
                       "(default false: they are set aside, and `undated_set_aside` in the answer says how many)"})

    @validates_schema
    def _dates_in_order(self, data, **kwargs):
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            n = min(len(start), len(end))
            if start[:n] > end[:n]:
                raise ValidationError(N_("must not be before date_from"), "date_to")


class VerifyRequest(VerifyOptions):
    claim = ClaimText(
        required=True,
        metadata={"minLength": 1, "maxLength": MAX_CLAIM_CHARS, "description": "the statement to check, in any language",
                  "example": "Kim Kardashian ne publiera pas sur Instagram mercredi"},
    )


class BatchVerifyRequest(VerifyOptions):
    claims = fields.List(
        ClaimText(metadata={"minLength": 1, "maxLength": MAX_CLAIM_CHARS}),
        required=True,
        validate=Length(1, MAX_BATCH_CLAIMS, error=CLAIMS_PER_REQUEST),
        metadata={"description": f"statements to check; the options apply to each; {MAX_BATCH_CHARS:,} "
                                 "characters in all at most"},
    )

    @validates_schema
    def _bounded_work(self, data, **kwargs):
        total = sum(len(c) for c in data.get("claims", []))
        if total > MAX_BATCH_CHARS:
            raise ValidationError(Message(N_("the claims hold %(total)s characters in all, over the %(max)s a batch "
                                             "may hold; send them in several batches"), counts=("total", "max"),
                                          total=total, max=MAX_BATCH_CHARS), "claims")


# --- verification responses (mirror service.verdict.types) -------------------------------


class SourceOut(Schema):
    article_id = fields.String(required=True)
    title = fields.String(required=True)
    url = fields.String(allow_none=True)
    source = fields.String(required=True)
    published_at = fields.String(allow_none=True)
    language = fields.String(required=True)
    passage_id = fields.Integer(required=True)
    start = fields.Integer(required=True, metadata={"description": "offset of the passage in the article's text"})
    end = fields.Integer(required=True)


class StanceProbabilities(Schema):
    supports = fields.Float(required=True, validate=Range(0, 1))
    refutes = fields.Float(required=True, validate=Range(0, 1))
    neutral = fields.Float(required=True, validate=Range(0, 1))


class PassageContext(Schema):
    title = fields.String(required=True)
    before = fields.String(required=True)
    after = fields.String(required=True)


class ValueOut(Schema):
    text = fields.String(required=True, metadata={"description": "the value as written", "example": "188 millions"})
    start = fields.Integer(required=True, metadata={"description": "offset of its first character in the claim's "
                                                                  "or the passage's text"})
    end = fields.Integer(required=True, metadata={"description": "offset just after its last character"})


class FindingOut(Schema):
    kind = fields.String(required=True, validate=OneOf([k.value for k in FindingKind]))
    outcome = fields.String(required=True, validate=OneOf([o.value for o in Outcome]), metadata={
        "description": "match, conflict (the same thing, another value: the passage refutes), other_event / "
                       "other_entity (another value, but not of the same event or entity: set aside)"})
    claim_value = fields.String(required=True, metadata={
        "example": "10 millions", "description": "the claim's value(s) for reading, joined with \" / \" when "
                                                 "several; claim_values holds them typed, with their offsets"})
    passage_value = fields.String(required=True, metadata={
        "example": "plus de 188 millions", "description": "the passage's value(s) for reading, joined with "
                                                          "\" / \" when several; see passage_values"})
    unit = fields.String(allow_none=True, metadata={"example": "followers"})
    entity = fields.String(allow_none=True, metadata={"example": "kardashian kim"})
    published_at = fields.String(allow_none=True, metadata={
        "description": "the publication date of the passage's article; null: the passage is undated",
        "example": "2020-09"})
    bound_only = fields.Boolean(metadata={
        "description": "a quantity match only because one side is a bound (\"more than 188 million\" for 300 "
                       "million): compatible, not the same value"})
    claim_values = fields.List(fields.Nested(ValueOut), metadata={
        "description": "the claim's values compared, each as written with its offsets in the claim"})
    passage_values = fields.List(fields.Nested(ValueOut), metadata={
        "description": "the passage's values compared, each as written with its offsets in the passage's text "
                       "(`text` of the evidence)"})


class EvidenceOut(Schema):
    text = fields.String(required=True)
    language = fields.String(required=True)
    stance = fields.String(required=True, validate=OneOf(STANCES))
    probabilities = fields.Nested(StanceProbabilities, required=True)
    retrieval_score = fields.Float(required=True, metadata={"description": "higher is closer"})
    context = fields.Nested(PassageContext, required=True)
    sources = fields.List(fields.Nested(SourceOut), required=True)
    evidence_score = fields.Float(required=True, validate=Range(0, 1), metadata={
        "description": "calibrated probability that the passage bears on the claim at all (the verdict model)"})
    strength = fields.Float(required=True, validate=Range(0, 1), metadata={
        "description": "how strongly it supports or refutes: evidence score times the share of its side; 0 "
                       "for a neutral passage"})
    findings = fields.List(fields.Nested(FindingOut), required=True,
                           metadata={"description": "rule comparisons of numbers, dates and weekdays, and of the "
                                                    "claim's own wording (kind wording)"})
    reasons = fields.List(fields.String(validate=OneOf([r.value for r in Reason])), required=True)
    known = fields.Float(allow_none=True, validate=Range(0, 1), metadata={
        "description": "how reliable its stance is because the passage states it (a rule finding, the claim's "
                       "wording, a review): the weight the decision gives it as a witness; 0: the models' reading "
                       "only"})
    checks = fields.List(fields.String(), metadata={"description": "the findings in words, in the claim's language"})


class VerdictProbabilities(Schema):
    supported = fields.Float(validate=Range(0, 1))
    refuted = fields.Float(validate=Range(0, 1))
    conflicting = fields.Float(validate=Range(0, 1))
    not_enough_evidence = fields.Float(validate=Range(0, 1))


class VerifyResponse(Schema):
    claim = fields.String(required=True)
    language = fields.String(required=True)
    verdict = fields.String(required=True, validate=OneOf(VERDICTS))
    confidence = fields.Float(required=True, validate=Range(0, 1), metadata={
        "description": "the probability of the verdict among `probabilities` (for not_enough_evidence, 1 minus "
                       "the largest of supported, refuted and conflicting)"})
    evidence = fields.List(fields.Nested(EvidenceOut), required=True)
    reasons = fields.List(fields.String(validate=OneOf([r.value for r in ClaimReason])), required=True,
                          metadata={"description": "why the verdict, as codes"})
    probabilities = fields.Nested(VerdictProbabilities, required=True, metadata={
        "description": "the decision's claim-level probabilities of the four verdicts, summing to 1: the claim "
                       "model's calibrated reading, weighed with the passages whose stance is known (`known`); "
                       "the verdict is the likeliest when it reaches its bar"})
    explanation = fields.List(fields.String(), required=True,
                              metadata={"description": "the reasons in words, in the claim's language"})
    timings_ms = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)
    already_checked = fields.Nested("AlreadyCheckedOut", allow_none=True, metadata={
        "description": "earlier checks and published fact-checks of the same claim (null when matching is off)"})
    undated_set_aside = fields.Integer(allow_none=True, metadata={
        "description": "articles without a publication date that the date filter set aside (null: no date "
                       "filter, or include_undated); send include_undated to weigh them too"})


class BatchVerifyResponse(Schema):
    results = fields.List(fields.Nested(VerifyResponse), required=True,
                          metadata={"description": "one result per claim, in the order sent"})


# --- articles ----------------------------------------------------------------------


class ArticleIn(Schema):
    """One article, as in a .json/.jsonl file for `recoupe ingest` (same rules)."""

    id = Text(allow_none=True, validate=Length(1, 200),
              metadata={"description": "stable id; derived from the content when left out"})
    title = Text(allow_none=True, validate=Length(max=1000),
                 metadata={"description": "derived from the first sentence when left out"})
    text = Text(required=True, strip=False, validate=Length(1), metadata={"description": "the article's text"})
    url = Text(allow_none=True, validate=Length(max=2048))
    source = Text(allow_none=True, validate=Length(max=200), metadata={"description": "publisher name"})
    published_at = Text(allow_none=True, validate=Length(max=40),
                        metadata={"description": "ISO 8601 date, e.g. 2020-09-16", "pattern": _PUBLISHED_AT_DOC})
    language = Text(allow_none=True, validate=Length(max=20),
                    metadata={"description": "language code such as 'fr'; detected when left out"})


class IngestResponse(Schema):
    ids = fields.List(fields.String(), required=True, metadata={"description": "ids of the articles sent, in order"})
    articles_added = fields.Integer(required=True)
    articles_replaced = fields.Integer(required=True, metadata={"description": "same id, new content"})
    duplicates_skipped = fields.Integer(required=True, metadata={"description": "same id and content: nothing to do"})
    passages_added = fields.Integer(required=True)


class ArticleRefOut(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    source = fields.String(required=True)
    url = fields.String(allow_none=True)
    published_at = fields.String(allow_none=True)
    language = fields.String(required=True)


class PassageOut(Schema):
    position = fields.Integer(required=True, metadata={"description": "index of the passage in the article"})
    text = fields.String(required=True)
    start = fields.Integer(required=True)
    end = fields.Integer(required=True)
    language = fields.String(required=True)


class ArticleOut(ArticleRefOut):
    text = fields.String(required=True)
    passages = fields.List(fields.Nested(PassageOut), required=True)


class ArticleListQuery(Schema):
    limit = fields.Integer(load_default=50, validate=Range(1, MAX_PAGE, error=BETWEEN))
    offset = fields.Integer(load_default=0, validate=Range(0, MAX_OFFSET, error=BETWEEN))


class ArticleListResponse(Schema):
    articles = fields.List(fields.Nested(ArticleRefOut), required=True)
    total = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    next_offset = fields.Integer(allow_none=True, metadata={"description": "offset of the next page; null on the last"})


class DeleteResponse(Schema):
    id = fields.String(required=True)
    passages_removed = fields.Integer(required=True)


# --- health and stats ------------------------------------------------------------------


class HealthResponse(Schema):
    status = fields.String(required=True, validate=OneOf(["ok", "degraded"]),
                           metadata={"description": "degraded: the index answers but claims cannot be verified"})
    models = fields.Dict(keys=fields.String(), values=fields.Boolean(), required=True,
                         metadata={"description": "which models are loaded", "example": {"embedder": True, "stance": True}})
    index = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                        metadata={"description": "counts", "example": {"articles": 4, "passages": 57, "vectors": 57}})


class StatsResponse(Schema):
    articles = fields.Integer(required=True)
    passages = fields.Integer(required=True)
    languages = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                            metadata={"description": "passages per language"})
    sources = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                          metadata={"description": "articles per source"})
    dim = fields.Integer(required=True)
    index_type = fields.String(required=True)
    index_kind = fields.String(required=True, metadata={"description": "what is actually searched"})
    index_note = fields.String(allow_none=True)
    faiss_vectors = fields.Integer(required=True)
    pending_deletions = fields.Integer(required=True)
    generation = fields.Integer(required=True)
    size_bytes = fields.Integer(required=True)


# --- errors ------------------------------------------------------------------------------


class Problem(Schema):
    """Every error response (media type application/problem+json)."""

    type = fields.String(required=True, metadata={"example": "invalid-input"})
    title = fields.String(required=True, metadata={"description": "what went wrong and what to do about it"})
    status = fields.Integer(required=True)
    detail = fields.Dict(metadata={"description": "structured facts about this failure, when there are any"})
    errors = fields.Dict(metadata={"description": "field-level messages, e.g. {\"claim\": [\"...\"]}"})
    code = fields.String(metadata={"description": "why an article was refused, as a stable code (e.g. "
                                              "\"no_passage\"); `title` words it in the reader's language"})
    values = fields.Dict(metadata={"description": "the values the code names (a nested {\"code\", \"values\"} "
                                                  "for a phrase such as where in the file)"})


from service.api.factcheck_schemas import AlreadyCheckedOut  # noqa: E402,F401 (registered for VerifyResponse)
