"""No verdict logic reads display strings: decisions travel as typed values, and words are
rendered only at the edges (render.py, called when a record is serialised)."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from service.verdict.types import Evidence, Verification

REPO = Path(__file__).resolve().parent.parent
# Everything on the path from passages to a verdict. render.py writes the words; records.py is the
# edge that serialises a Verification with them.
EDGES = ("render.py", "records.py")
DECISION_CODE = [p for p in sorted((REPO / "service" / "verdict").glob("*.py"))
                 if p.name not in EDGES] + [REPO / "service" / "verify.py"]
TEXT_READERS = {"startswith", "endswith", "removeprefix", "removesuffix"}


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + [getattr(node, "module", "") or ""]
            if any("render" in n for n in names):
                out.append(f"{path.name}:{node.lineno} imports the renderer")
        if isinstance(node, ast.Attribute) and node.attr in ("explanation", "checks"):
            out.append(f"{path.name}:{node.lineno} reads .{node.attr}")
        if isinstance(node, ast.Attribute) and node.attr in TEXT_READERS:
            out.append(f"{path.name}:{node.lineno} parses text with .{node.attr}()")
    return out


def test_no_verdict_logic_reads_display_strings():
    assert len(DECISION_CODE) > 5
    found = [v for p in DECISION_CODE for v in _violations(p)]
    assert found == [], "\n".join(found)


def test_records_carry_typed_findings_and_reasons_not_text_flags():
    evidence = {f.name for f in dataclasses.fields(Evidence)}
    assert {"evidence_score", "strength", "findings", "reasons"} <= evidence and "checks" not in evidence
    verification = {f.name for f in dataclasses.fields(Verification)}
    assert {"reasons", "probabilities"} <= verification and "explanation" not in verification


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return out


def test_the_domain_types_render_nothing_so_renderer_and_types_import_no_circle():
    verdict = REPO / "service" / "verdict"
    assert "service.verdict.render" not in _imports(verdict / "types.py")
    assert not any(m.startswith("service.verdict.records") for m in _imports(verdict / "render.py"))
    assert not hasattr(Verification, "to_dict") and not hasattr(Verification, "explanation")


def test_one_name_for_neutral_from_the_stance_model_to_the_api():
    from service.stance import STANCE_OF_LABEL, Stance
    from service.verdict.types import STANCES

    assert STANCE_OF_LABEL["neutral"] is Stance.NEUTRAL and set(STANCE_OF_LABEL.values()) == set(Stance)
    assert STANCES == ("supports", "refutes", "neutral")


def _rule_findings(claim: str, passage: str):
    from service.verdict.facts import ClaimFacts, PassageFacts
    from service.verdict.rules import findings
    from service.verdict.subjects import subject_of

    c, p = ClaimFacts.of(claim, "fr"), PassageFacts.of(passage, "fr")
    return findings(c, p, subject_of(c, p))


def test_findings_carry_each_value_as_written_with_its_offsets_and_the_page_emphasises_them_all():
    from service.page.highlight import runs

    claim = "Kim Kardashian a 10 millions d'abonnés le 17 février"
    passage = ("Kim Kardashian compte 188 millions d'abonnés sur Instagram et 30 millions d'abonnés sur Facebook, "
               "selon un message du 16 Février.")
    found = _rule_findings(claim, passage)
    quantity = next(f for f in found if f.kind == "quantity")
    # two values of the passage: joined for reading, typed and placed for the page
    assert quantity.passage_value == "188 millions / 30 millions"
    assert [(v.text, passage[v.start:v.end]) for v in quantity.passage_values] == [
        ("188 millions", "188 millions"), ("30 millions", "30 millions")]
    assert [(v.start, v.end) for v in quantity.claim_values] == [(claim.index("10 millions"),
                                                                  claim.index("10 millions") + 11)]
    date = next(f for f in found if f.kind == "date")
    assert date.passage_value == "16 fevrier" and [v.text for v in date.passage_values] == ["16 Février"]
    emphasised = [piece for piece, em in runs(passage, found) if em]
    assert emphasised == ["188 millions", "30 millions", "16 Février"]


def test_typed_values_survive_the_record_and_a_record_saved_before_them_reads_back_without():
    from service.verdict.records import _finding

    f = _rule_findings("Kim Kardashian a 10 millions d'abonnés", "Kim Kardashian compte 188 millions d'abonnés")[0]
    record = {**dataclasses.asdict(f), "kind": f.kind.value, "outcome": f.outcome.value}
    assert _finding(record) == f
    older = {k: v for k, v in record.items() if k not in ("claim_values", "passage_values")}
    assert _finding(older).passage_values == () and _finding(older).passage_value == "188 millions"


def test_a_records_checks_name_the_subject_as_the_claim_does():
    """The checks of a record (the number table, downloads) said 'abonnés, kardashian kim', the rules' folded
    key, where the explanation says 'Kim Kardashian'."""
    from service.stance import Stance
    from service.verdict.records import verification_record
    from service.verdict.types import Source, Verdict

    claim = "Kim Kardashian a 189 millions d'abonnés sur Instagram"
    passage = "Kim Kardashian compte plus de 188 millions d'abonnés sur Instagram."
    found = _rule_findings(claim, passage)
    assert any(f.entity for f in found)
    e = Evidence(text=passage, language="fr", stance=Stance.SUPPORTS,
                 probabilities={Stance.SUPPORTS: 0.8, Stance.NEUTRAL: 0.1, Stance.REFUTES: 0.1},
                 retrieval_score=1.0, context={"title": "t"}, findings=found,
                 sources=[Source("a1", "t", "s", None, "2020-09", "fr", 1, 0, len(passage))])
    v = Verification(claim=claim, language="fr", verdict=Verdict.SUPPORTED, confidence=0.9, evidence=[e],
                     reasons=[], timings_ms={})
    checks = verification_record(v)["evidence"][0]["checks"]
    assert checks and all("Kim Kardashian" in c for c in checks if "abonnés" in c), checks
    assert not any("kardashian kim" in c.lower() for c in checks), checks
