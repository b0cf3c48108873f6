"""A serialised Verification (`Verification.to_dict()`, as the API returns it and
the history stores it) read back into typed values.

A saved check keeps the record exactly as it was shown; reading it back lets
the verdict layer recompute a decision from it (`review.py`) without re-running
retrieval or the stance model. The rendered words (`explanation`, `checks`) are
not read: they are rendered again from the typed values.
"""

from __future__ import annotations

from service.verdict.types import (
    ClaimReason,
    Evidence,
    Finding,
    FindingKind,
    Outcome,
    Reason,
    Source,
    Stance,
    Verdict,
    Verification,
)

_SOURCE_FIELDS = ("article_id", "title", "source", "url", "published_at", "language", "passage_id", "start", "end")


def verification_from_dict(d: dict) -> Verification:
    return Verification(
        claim=d["claim"], language=d["language"], verdict=Verdict(d["verdict"]), confidence=float(d["confidence"]),
        evidence=[_evidence(e) for e in d.get("evidence", [])],
        reasons=[ClaimReason(r) for r in d.get("reasons", [])],
        timings_ms=dict(d.get("timings_ms", {})), probabilities=dict(d.get("probabilities", {})),
    )


def _evidence(e: dict) -> Evidence:
    return Evidence(
        text=e["text"], language=e["language"], stance=Stance(e["stance"]),
        probabilities={k: float(v) for k, v in e["probabilities"].items()},
        retrieval_score=float(e["retrieval_score"]), context=dict(e.get("context", {})),
        sources=[Source(**{k: s.get(k) for k in _SOURCE_FIELDS}) for s in e.get("sources", [])],
        evidence_score=float(e.get("evidence_score", 0.0)), strength=float(e.get("strength", 0.0)),
        findings=[_finding(f) for f in e.get("findings", [])],
        reasons=[Reason(r) for r in e.get("reasons", [])],
        known=float(e["known"]) if e.get("known") is not None else None,
    )


def _finding(f: dict) -> Finding:
    return Finding(FindingKind(f["kind"]), Outcome(f["outcome"]), f["claim_value"], f["passage_value"],
                   f.get("unit"), f.get("entity"), f.get("published_at"), bool(f.get("bound_only", False)))
