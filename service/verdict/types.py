"""What a verification returns. The API, the CLI and the batch report all
serialise these same records."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

VERDICTS = ("supported", "refuted", "conflicting", "not_enough_evidence")
STANCES = ("supports", "refutes", "neutral")


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
    text: str
    language: str
    stance: str  # one of STANCES
    probabilities: dict[str, float]  # {"supports": p, "refutes": p, "neutral": p}, summing to 1
    retrieval_score: float  # fused retrieval score (higher is closer)
    context: dict[str, str]  # {"title", "before", "after"}
    sources: list[Source]
    checks: list[str] = field(default_factory=list)  # e.g. a quantity conflict found by rule


@dataclass
class Verification:
    claim: str
    language: str
    verdict: str  # one of VERDICTS
    confidence: float  # 0-1
    evidence: list[Evidence]
    explanation: list[str]  # sentences a person reads: which evidence and which checks decided
    timings_ms: dict[str, float]

    def to_dict(self) -> dict:
        return asdict(self)
