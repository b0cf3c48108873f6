"""A Verification as a record (the JSON the API returns, the CLI prints and the
history stores) and back: the edge where words are rendered.

`verification_record` writes enums as their values and adds the words a
person reads (`explanation`, `checks`, in the claim's language, render.py).
`verification_from_dict` reads a saved record back into typed values, so the
verdict layer can recompute a decision from it (`review.py`) without
re-running retrieval or the stance model; the rendered words are not read:
they are rendered again from the typed values.
"""

from __future__ import annotations

from dataclasses import asdict

from service.verdict.render import explain, finding_text
from service.verdict.types import (
    ClaimReason,
    Evidence,
    Finding,
    FindingKind,
    Outcome,
    Reason,
    Source,
    Stance,
    Value,
    Verdict,
    Verification,
)

def verification_record(v: Verification) -> dict:
    """The serialised record (API, CLI, batch, history): enums as their values, words rendered."""
    out = asdict(v)
    out["verdict"] = v.verdict.value
    out["reasons"] = [r.value for r in v.reasons]
    out["explanation"] = explain(v)
    for e, d in zip(v.evidence, out["evidence"]):
        d["stance"] = e.stance.value
        d["probabilities"] = {str(s): p for s, p in e.probabilities.items()}  # a Stance is its value
        d["reasons"] = [r.value for r in e.reasons]
        d["findings"] = [{**asdict(f), "kind": f.kind.value, "outcome": f.outcome.value} for f in e.findings]
        d["checks"] = [finding_text(f, v.language, v.claim) for f in e.findings]  # the subject as the claim names it
    return out


_SOURCE_FIELDS = ("article_id", "title", "source", "url", "published_at", "language", "passage_id", "start", "end")


def verification_from_dict(d: dict) -> Verification:
    return Verification(
        claim=d["claim"], language=d["language"], verdict=Verdict(d["verdict"]), confidence=float(d["confidence"]),
        evidence=[_evidence(e) for e in d.get("evidence", [])],
        reasons=[ClaimReason(r) for r in d.get("reasons", [])],
        timings_ms=dict(d.get("timings_ms", {})), probabilities=dict(d.get("probabilities", {})),
        undated_set_aside=d.get("undated_set_aside"),
    )


def _evidence(e: dict) -> Evidence:
    return Evidence(
        text=e["text"], language=e["language"], stance=Stance(e["stance"]),
        probabilities={Stance(k): float(v) for k, v in e["probabilities"].items()},
        retrieval_score=float(e["retrieval_score"]), context=dict(e.get("context", {})),
        sources=[Source(**{k: s.get(k) for k in _SOURCE_FIELDS}) for s in e.get("sources", [])],
        evidence_score=float(e.get("evidence_score", 0.0)), strength=float(e.get("strength", 0.0)),
        findings=[_finding(f) for f in e.get("findings", [])],
        reasons=[Reason(r) for r in e.get("reasons", [])],
        known=float(e["known"]) if e.get("known") is not None else None,
    )


def _finding(f: dict) -> Finding:
    return Finding(FindingKind(f["kind"]), Outcome(f["outcome"]), f["claim_value"], f["passage_value"],
                   f.get("unit"), f.get("entity"), f.get("published_at"), bool(f.get("bound_only", False)),
                   _values(f.get("claim_values")), _values(f.get("passage_values")))


def _values(values) -> tuple[Value, ...]:
    """A finding's typed values; a record saved before findings carried them has none."""
    return tuple(Value(str(v["text"]), int(v["start"]), int(v["end"])) for v in values or [])
