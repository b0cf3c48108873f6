"""What every writer of a check reads (writers.py, claimreview.py): the checked claims and the run."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.check.inputs import BadRow, Row


@dataclass
class Checked:
    row: Row
    result: dict  # Verification-shaped: claim, language, verdict, confidence, evidence, explanation, timings_ms
    review: dict | None = None  # when a person reviewed it: model_verdict, model_confidence, reviewer, reviewed_at
    same_as_line: int | None = None  # the earlier line of the file with the same claim, whose check this row shares


@dataclass
class ReportInfo:
    """What a report says about the run as a whole."""

    input_name: str
    date: str  # ISO date of the report (the ClaimReview drafts' creation date)
    top_k: int
    bad_rows: list[BadRow] = field(default_factory=list)
    organization: str = "Recoupe"  # the ClaimReview drafts' author
    # The language the files are written in ("fr", "en"); None: each file decides from its claims
    # (service/check/language.py).
    language: str | None = None
