"""No verdict logic reads display strings: decisions travel as typed values, and words are
rendered only at the edges (render.py, called when a record is serialised)."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from service.verdict.types import Evidence, Verification

REPO = Path(__file__).resolve().parent.parent
# Everything on the path from passages to a verdict. render.py writes the words; types.py only
# hands records to it when they are serialised.
DECISION_CODE = [p for p in sorted((REPO / "service" / "verdict").glob("*.py"))
                 if p.name not in ("render.py", "types.py")] + [REPO / "service" / "verify.py"]
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
