"""Requests and responses of the saved checks, reviews, batches and retractions (`/v1/checks...`,
`/v1/reviews/export`, `/v1/batches...`, `/v1/articles/<id>/retract`).

They mirror `service.history` (SavedCheck, Review, CheckView.to_dict) field for field.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.api.schemas import MAX_OFFSET, MAX_PAGE, Text, VerifyResponse
from service.limits import DEFAULT_TOP_K, MAX_TOP_K
from service.api.validators import BETWEEN, Length, OneOf, Range
from service.translations import N_
from service.check.inputs import BAD_ROW_CODES
from service.history.store import BATCH_SORTS, MAX_NOTE_CHARS, MAX_REVIEWER_CHARS
from service.history.workflow import MAX_ASSIGNEE_CHARS, STATUSES
from service.verdict.review import Action
from service.verdict.types import STANCES, VERDICTS


class ReviewIn(Schema):
    item = fields.Integer(required=True, strict=True, validate=Range(0, MAX_OFFSET),
                          metadata={"description": "index of the evidence item in the check's `result.evidence`"})
    action = fields.String(required=True, validate=OneOf([a.value for a in Action]), metadata={
        "description": "accept (the models' stance is right), reject (the passage does not bear on the claim), "
                       "stance (the reviewer gives the stance)"})
    stance = fields.String(validate=OneOf(STANCES), metadata={"description": "for action `stance`"})
    reviewer = Text(required=True, validate=Length(1, MAX_REVIEWER_CHARS))
    note = Text(load_default="", validate=Length(max=MAX_NOTE_CHARS))


class ReviewOut(Schema):
    id = fields.Integer(required=True)
    check_id = fields.String(required=True)
    item = fields.Integer(required=True)
    action = fields.String(required=True, validate=OneOf([a.value for a in Action]))
    stance = fields.String(required=True, validate=OneOf(STANCES),
                           metadata={"description": "the stance this review gives the passage"})
    note = fields.String(required=True)
    reviewer = fields.String(required=True)
    created_at = fields.String(required=True)


class CorpusState(Schema):
    generation_then = fields.Integer(required=True, metadata={"description": "the corpus generation checked"})
    generation_now = fields.Integer(required=True)
    changed = fields.Boolean(required=True, metadata={"description": "the corpus has changed since the check"})


class FirstVerdict(Schema):
    verdict = fields.String(required=True, validate=OneOf(VERDICTS),
                            metadata={"description": "the verdict when the check was run (before any review)"})
    confidence = fields.Float(required=True, validate=Range(0, 1))


class CheckSummary(Schema):
    id = fields.String(required=True)
    created_at = fields.String(required=True)
    claim = fields.String(required=True)
    language = fields.String(required=True)
    verdict = fields.String(required=True, validate=OneOf(VERDICTS), metadata={
        "description": "the verdict of record: decided again from the reviewed stances when the check was "
                       "reviewed (service/verdict/review.py), else the models' verdict"})
    confidence = fields.Float(required=True, validate=Range(0, 1),
                              metadata={"description": "the confidence of the verdict of record"})
    model_verdict = fields.String(required=True, validate=OneOf(VERDICTS),
                                  metadata={"description": "the models' own verdict, before any review"})
    model_confidence = fields.Float(required=True, validate=Range(0, 1))
    reviewed = fields.Boolean(required=True, metadata={"description": "true: `verdict` is the reviewed one"})
    reviewer = fields.String(required=True, allow_none=True,
                             metadata={"description": "who made the latest review in force; null if none"})
    reviewed_at = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, validate=OneOf(STATUSES), metadata={
        "description": "the newsroom workflow: to_check, in_progress, checked, published"})
    assignee = fields.String(required=True, metadata={"description": "who the check is assigned to; '' if no one"})


class RetractionOut(Schema):
    article_id = fields.String(required=True)
    title = fields.String(required=True)
    source = fields.String(required=True)
    reason = fields.String(required=True)
    retracted_at = fields.String(required=True)


class CheckOut(CheckSummary):
    settings = fields.Dict(required=True, metadata={"description": "top_k and the filters of the check"})
    models = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True), required=True,
                         metadata={"description": "model names and versions"})
    corpus = fields.Nested(CorpusState, required=True)
    original = fields.Nested(FirstVerdict, required=True)
    result = fields.Nested(VerifyResponse, required=True,
                           metadata={"description": "what is shown: the saved result with the reviews applied"})
    reviews = fields.List(fields.Nested(ReviewOut), required=True,
                          metadata={"description": "the current review of each reviewed item"})
    retracted = fields.List(fields.Nested(RetractionOut), required=True,
                            metadata={"description": "cited articles retracted from the corpus since, and why"})
    articles_gone = fields.List(fields.String(), required=True, metadata={
        "description": "ids of cited articles deleted from the corpus since (without a retraction)"})


class CheckListQuery(Schema):
    q = Text(load_default="", validate=Length(max=200),
             metadata={"description": "words of the claim, without regard to case or accents"})
    verdict = fields.String(validate=OneOf(VERDICTS), metadata={"description": "one verdict of record"})
    checked_from = fields.Date(metadata={"description": "checks run on or after this day (YYYY-MM-DD, UTC)"})
    checked_until = fields.Date(metadata={"description": "checks run on or before this day (YYYY-MM-DD, UTC)"})
    status = fields.String(validate=OneOf(STATUSES), metadata={"description": "one workflow status"})
    assignee = Text(validate=Length(max=MAX_ASSIGNEE_CHARS),
                    metadata={"description": "checks assigned to this name ('' for no one)"})
    limit = fields.Integer(load_default=50, validate=Range(1, MAX_PAGE))
    offset = fields.Integer(load_default=0, validate=Range(0, MAX_OFFSET))


class WorkflowIn(Schema):
    status = fields.String(validate=OneOf(STATUSES),
                           metadata={"description": "to_check, in_progress, checked or published"})
    assignee = Text(validate=Length(max=MAX_ASSIGNEE_CHARS),
                    metadata={"description": "who the check is assigned to; '' for no one"})


class CheckListResponse(Schema):
    checks = fields.List(fields.Nested(CheckSummary), required=True)
    total = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    next_offset = fields.Integer(allow_none=True)


class BadRowOut(Schema):
    line = fields.Integer(required=True)
    reason = fields.String(required=True, metadata={"description": "why, in English"})
    code = fields.String(required=True, validate=OneOf(BAD_ROW_CODES),
                         metadata={"description": "why, typed: an interface words it in its user's language"})
    values = fields.Dict(required=True, metadata={"description": "the values the reason names (a length, a line...)"})


class BatchOut(Schema):
    id = fields.String(required=True)
    created_at = fields.String(required=True)
    name = fields.String(required=True, metadata={"description": "the uploaded file's name"})
    top_k = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "claims to check"})
    done = fields.Integer(required=True, metadata={"description": "claims checked so far"})
    status = fields.String(required=True, validate=OneOf(["running", "done", "failed"]))
    error = fields.String(required=True)
    bad_rows = fields.List(fields.Nested(BadRowOut), required=True)


class BatchIn(Schema):
    """The form fields sent beside the claims file (multipart/form-data, so every value arrives as text)."""

    top_k = fields.Integer(load_default=DEFAULT_TOP_K, validate=Range(1, MAX_TOP_K, error=BETWEEN),
                           metadata={"description": "passages to weigh per claim"})


class BatchRowsQuery(Schema):
    verdict = fields.String(validate=OneOf(VERDICTS), metadata={"description": "only rows of this verdict"})
    sort = fields.String(load_default="line", validate=OneOf(list(BATCH_SORTS)))
    order = fields.String(validate=OneOf(["asc", "desc"]),
                          metadata={"description": "default: desc for confidence, asc otherwise"})


class SameAsOut(Schema):
    line = fields.Integer(required=True)
    id = fields.String(allow_none=True)


class BatchRowOut(Schema):
    line = fields.Integer(required=True, metadata={"description": "line (or row) of the uploaded file"})
    key = fields.String(required=True)
    claim = fields.String(required=True)
    id = fields.String(allow_none=True, metadata={"description": "the row's own id column, when the file has one"})
    columns = fields.Dict(required=True, metadata={"description": "the file's other columns of this row, as sent"})
    same_as = fields.Nested(SameAsOut, allow_none=True, required=True, metadata={
        "description": "the earlier row with the same claim: checked once, this row shares its check; else null"})
    check = fields.Nested(CheckSummary, allow_none=True, required=True,
                          metadata={"description": "the saved check (GET /v1/checks/<id>); null until checked"})


class BatchRowsResponse(Schema):
    batch = fields.Nested(BatchOut, required=True)
    rows = fields.List(fields.Nested(BatchRowOut), required=True)


class ArticleMetaIn(Schema):
    """An article's metadata edited in place (PATCH /v1/articles/<id>): the fields sent change, the others stay;
    null or "" clears url and published_at."""

    title = Text(validate=Length(1, 1000))
    source = Text(validate=Length(1, 200), metadata={"description": "publisher name"})
    url = Text(allow_none=True, validate=Length(max=2048),
               metadata={"description": "the article's original address (shown as a link when http or https)"})
    published_at = Text(allow_none=True, validate=validate.Regexp(
        r"^(\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?)?$", error=N_("an ISO date such as 2020, 2020-09 or 2020-09-16")),
        metadata={"description": "ISO 8601 date, year or year-month"})


class RetractIn(Schema):
    reason = Text(required=True, validate=Length(1, MAX_NOTE_CHARS),
                  metadata={"description": "why; shown on every saved check that cited the article"})


class RetractOut(Schema):
    retraction = fields.Nested(RetractionOut, required=True)
    passages_removed = fields.Integer(required=True)
    checks_citing = fields.Integer(required=True, metadata={"description": "saved checks that cited the article"})
