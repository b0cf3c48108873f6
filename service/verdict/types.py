"""What a verification returns. The API, the CLI and the batch report all
serialise these same records.

Every decision travels as typed values (enums, numbers, structured rule
findings); words a person reads are rendered from them only at the edges, when
a record is serialised (`records.verification_record`, with `render.py`, in the
claim's language). No verdict logic reads text, and nothing here renders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

# What one passage does to the claim: the stance model's own vocabulary (service/stance), one name each.
from service.stance import Stance


class Verdict(StrEnum):
    SUPPORTED = "supported"
    REFUTED = "refuted"
    CONFLICTING = "conflicting"
    NOT_ENOUGH_EVIDENCE = "not_enough_evidence"


VERDICTS = tuple(v.value for v in Verdict)
STANCES = tuple(s.value for s in Stance)


class FindingKind(StrEnum):
    QUANTITY = "quantity"
    DATE = "date"
    WEEKDAY = "weekday"
    WORDING = "wording"  # the claim's own words, names and numbers in the passage (wording.py)


class Outcome(StrEnum):
    MATCH = "match"  # the passage states the same value
    CONFLICT = "conflict"  # the same thing, another value: the passage refutes the claim
    OTHER_EVENT = "other_event"  # another value, but not about the same event: set aside
    OTHER_ENTITY = "other_entity"  # the same unit, but said of someone or something else: set aside


class Reason(StrEnum):
    """Why one passage counts or not (codes; render.py words them)."""

    EVIDENCE = "evidence"  # the evidence model reads it as bearing on the claim
    NOT_EVIDENCE = "not_evidence"  # the evidence model reads it as not bearing on the claim
    OTHER_SUBJECT = "other_subject"  # it names other people than the claim's
    MODEL_SUPPORTS = "model_supports"
    MODEL_REFUTES = "model_refutes"
    RULE_CONFLICT = "rule_conflict"  # a quantity/date/weekday conflict on the same thing
    RULE_MATCH = "rule_match"
    WORDING_MATCH = "wording_match"  # the passage says the claim in its words, names and numbers
    WORDING_FLIP = "wording_flip"  # the same words with one negation or one number flipped
    SET_ASIDE = "set_aside"  # about someone else: neither support nor refutation, whatever the models read


class ClaimReason(StrEnum):
    """Why the claim got its verdict."""

    SUPPORT_WINS = "support_wins"
    REFUTATION_WINS = "refutation_wins"
    RULE_CONFLICT = "rule_conflict"  # a passage that bears on the claim states another value of the same thing
    BOTH_SIDES = "both_sides"  # strong evidence for and against
    VALUES_DISAGREE = "values_disagree"  # passages state different values of the same thing (dated or not)
    BELOW_THRESHOLD = "below_threshold"  # the likeliest side is not sure enough to commit (abstention)
    NO_EVIDENCE = "no_evidence"  # no retrieved passage bears on the claim
    NOTHING_RETRIEVED = "nothing_retrieved"


@dataclass(frozen=True)
class Value:
    """A value as written in the claim or the passage, and where: its characters start:end there."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Finding:
    """One rule comparison between the claim and a passage, with both values."""

    kind: FindingKind
    outcome: Outcome
    # Each side's value for reading, as before values were typed: several values of one side joined with
    # " / " ("188 millions / 30 millions"); for wording, "affirmative" / "negative" or a number. Kept in
    # records and the API for the clients that read them; the page reads claim_values / passage_values.
    claim_value: str
    passage_value: str
    unit: str | None = None  # what is counted ("followers"), for quantities; for wording, "negation" or "number"
    entity: str | None = None  # whom or what the value is about, when the rule could tell
    published_at: str | None = None  # the passage's publication date; None: the passage is undated
    bound_only: bool = False  # a quantity match only because one side is a bound ("plus de 188" for 300)
    # The values compared, each with its offsets in the claim's / the passage's text (a polarity has none).
    claim_values: tuple[Value, ...] = ()
    passage_values: tuple[Value, ...] = ()


@dataclass
class Source:
    """One article where the evidence passage appears (a quote can appear in several)."""

    article_id: str
    title: str
    source: str
    url: str | None
    published_at: str | None
    language: str
    passage_id: int
    start: int  # offsets of the passage in that article's stored text, for highlighting
    end: int


@dataclass
class Evidence:
    """One passage (a group of near-identical quotes) and its assessment (assess.py)."""

    text: str
    language: str
    stance: Stance
    probabilities: dict[Stance, float]  # the stance model's {supports, neutral, refutes}, summing to 1
    retrieval_score: float  # fused retrieval score (higher is closer)
    context: dict[str, str]  # {"title", "before", "after"}
    sources: list[Source]
    evidence_score: float = 0.0  # calibrated probability that the passage bears on the claim at all
    strength: float = 0.0  # how strongly it supports or refutes: evidence score x stance, 0-1
    findings: list[Finding] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    # How sure its stance is from what the passage says, beyond the models: a rule finding, the claim's
    # own wording, a review (decide.py). 0: only the models read it; None: a record saved before this field.
    known: float | None = 0.0


@dataclass
class Verification:
    claim: str
    language: str
    verdict: Verdict
    confidence: float  # 0-1: the calibrated probability of the verdict (verdict/model.py)
    evidence: list[Evidence]
    reasons: list[ClaimReason]
    timings_ms: dict[str, float]
    # the decision's claim-level probabilities {"supported", "refuted", "conflicting", "not_enough_evidence"},
    # summing to 1; the verdict and its confidence are read from them (decide.py)
    probabilities: dict[str, float] = field(default_factory=dict)
    # earlier checks and published fact-checks of the same claim (factchecks/match.py: AlreadyChecked)
    already_checked: object | None = None
    # articles without a publication date that the request's date filter set aside (None: no date filter,
    # or undated articles were included; VerifyOptions.include_undated)
    undated_set_aside: int | None = None
