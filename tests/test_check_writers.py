"""The outputs of `recoupe check`, written from Verification records: CSV a spreadsheet opens cleanly,
JSONL, and Markdown / HTML reports a person reviews."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace

import pytest

from service.check.inputs import BadRow, Row, claim_key
from service.check.writers import COLUMNS, Checked, ReportInfo, output_format, write_output
from service.errors import InvalidInput
from service.verdict.records import verification_record
from service.verdict.types import Evidence, Finding, FindingKind, Outcome, Source, Stance, Verdict, Verification

LE_MONDE = "https://www.example.org/le-monde/kim-kardashian-instagram"


def source(title="Kim Kardashian boycotte Instagram", name="Le Monde", url=LE_MONDE, date="2020-09-16"):
    return Source("003_525ca13e8105f9df", title, name, url, date, "fr", 12, 100, 180)


def evidence(text, stance, p, sources=None, findings=()):
    probs = {"supports": 0.02, "refutes": 0.02, "neutral": 0.96}
    if stance != "neutral":
        other = "refutes" if stance == "supports" else "supports"
        probs = {stance: p, "neutral": round(1 - p - 0.01, 4), other: 0.01}
    strength = p if stance != "neutral" else 0.0
    return Evidence(text, "fr", Stance(stance), probs, 0.03, {"title": "t", "before": "", "after": ""},
                    sources or [source()], max(strength, 0.1), strength, list(findings))


def verification(claim, verdict, confidence, ev, language="fr"):
    return Verification(claim, language, Verdict(verdict), confidence, ev, [], {"total": 12.5})


def item(line, claim, v: Verification, id_=None, extra=None) -> Checked:
    result = verification_record(v)
    result["explanation"] = [f"{v.verdict} because of the evidence."]  # writers print it as it comes
    return Checked(Row(line, claim_key(line, claim, id_), claim, id_, extra or {}), result)


TEN_VS_189 = Finding(FindingKind.QUANTITY, Outcome.CONFLICT, "10 millions", "189 millions", "followers",
                     "kardashian kim")


def sample_items() -> list[Checked]:
    """Four claims, one per verdict, with text that tests escaping and spreadsheet safety."""
    sup = "Kim Kardashian a 189 millions d'abonnés sur Instagram"
    ref = "Kim Kardashian n'a que 10 millions d'abonnés <script>alert(1)</script>"
    con = "=HYPERLINK(\"http://evil.example\") Katy Perry a 107 millions d'abonnés"
    nee = "La Tour Eiffel mesure 330 mètres"
    return [
        item(2, sup, verification(sup, "supported", 0.91, [
            evidence("Kim Kardashian, suivie par 189 millions\nde personnes sur Instagram.", "supports", 0.91),
            evidence("Elle a annoncé un boycott.", "neutral", 0.0, [source(url=None)]),
        ]), "c-1", {"claim_url": "https://example.org/post/1", "speaker": "Un internaute", "language": "fr"}),
        item(3, ref, verification(ref, "refuted", 0.9, [
            evidence("Elle compte 189 millions d'abonnés <b>selon</b> Instagram.", "refutes", 0.9,
                     [source(url="javascript:alert(1)")], findings=[TEN_VS_189]),
            evidence("Kim Kardashian, suivie par 189 millions de personnes.", "supports", 0.3),
        ]), "c-2", {"claim_url": "", "speaker": "", "language": "fr"}),
        item(4, con, verification(con, "conflicting", 0.8, [
            evidence("Katy Perry a 107 millions d'abonnés.", "supports", 0.85),
            evidence("Katy Perry a 100 millions d'abonnés.", "refutes", 0.8, [source(title="Autre", name="AFP")]),
        ], language="en"), "c-3", {"claim_url": "", "speaker": "", "language": "en"}),
        item(6, nee, verification(nee, "not_enough_evidence", 0.7, []), None, {"note": "pas dans le corpus"}),
    ]


INFO = ReportInfo("claims.csv", "2024-05-02", 10, [BadRow(5, "the claim is empty")], "Les Vérificateurs")
# Most sample claims are French, so a report without a language is in French (test_check_language.py).
EN = replace(INFO, language="en")


def _csv_rows(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM a spreadsheet needs to read UTF-8
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_the_csv_has_one_row_per_claim_with_the_best_evidence_on_each_side(tmp_path):
    path = tmp_path / "out.csv"
    write_output(path, "csv", sample_items(), INFO)
    rows = _csv_rows(path)
    assert [r["verdict"] for r in rows] == ["supported", "refuted", "conflicting", "not_enough_evidence"]
    assert list(rows[0])[: len(COLUMNS)] == list(COLUMNS)
    first = rows[0]
    assert first["id"] == "c-1" and first["line"] == "2" and first["confidence"] == "0.91"
    assert first["supporting_passage"] == "Kim Kardashian, suivie par 189 millions de personnes sur Instagram."
    assert (first["supporting_title"], first["supporting_source"], first["supporting_url"]) == (
        "Kim Kardashian boycotte Instagram", "Le Monde", LE_MONDE)
    assert (first["n_supporting"], first["n_refuting"], first["n_neutral"]) == ("1", "0", "1")
    assert first["refuting_passage"] == "" and first["explanation"] == "supported because of the evidence."
    assert rows[1]["refuting_passage"].startswith("Elle compte 189 millions")
    assert rows[3]["id"] == "6"  # no id in the input: the line number


def test_the_csv_carries_input_columns_and_renames_those_that_clash(tmp_path):
    path = tmp_path / "out.csv"
    write_output(path, "csv", sample_items(), INFO)
    rows = _csv_rows(path)
    assert list(rows[0])[len(COLUMNS):] == ["claim_url", "speaker", "input_language", "note"]
    assert rows[0]["claim_url"] == "https://example.org/post/1" and rows[0]["input_language"] == "fr"
    assert rows[3]["note"] == "pas dans le corpus" and rows[0]["note"] == ""


def test_the_csv_opens_cleanly_in_a_spreadsheet(tmp_path):
    path = tmp_path / "out.csv"
    write_output(path, "csv", sample_items(), INFO)
    text = path.read_bytes().decode("utf-8-sig")
    assert text.count("\r\n") == 5 and "\n" not in text.replace("\r\n", "")  # header + 4 rows, no stray line breaks
    rows = _csv_rows(path)
    # A cell that starts like a formula is shown as text, not run.
    assert rows[2]["claim"].startswith("'=HYPERLINK(")
    assert all(not v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())


def test_jsonl_rows_hold_the_same_columns_with_native_types(tmp_path):
    path = tmp_path / "out.jsonl"
    items = sample_items()
    items[0].row.extra["tags"] = ["instagram", "chiffres"]
    write_output(path, "jsonl", items, INFO)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 4 and rows[0]["confidence"] == 0.91 and rows[0]["n_supporting"] == 1
    assert rows[0]["tags"] == ["instagram", "chiffres"] and rows[0]["input_language"] == "fr"
    assert rows[2]["claim"].startswith("=HYPERLINK(")  # data, not a spreadsheet: kept as it is
    assert set(COLUMNS) <= set(rows[3])


def test_the_markdown_report_summarises_then_groups_claims_by_verdict(tmp_path):
    path = tmp_path / "out.md"
    write_output(path, "md", sample_items(), EN)
    text = path.read_text(encoding="utf-8")
    assert "| Refuted | 1 |" in text and "| Supported | 1 |" in text and "| **Total** | **4** |" in text
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    assert headings == ["Summary", "Refuted (1)", "Conflicting sources (1)", "Supported (1)",
                        "Not enough evidence (1)", "Rows skipped"]
    assert "**Refutes** (supports 0.01, refutes 0.90)" in text
    assert f"*Kim Kardashian boycotte Instagram*, Le Monde, 2020-09-16, <{LE_MONDE}>" in text
    # the French claim's check, said again in the report's language
    assert "check: number: the claim says “10 millions” (followers, Kim Kardashian) where the passage says " \
           "“189 millions”" in text
    assert "| 5 | the claim is empty |" in text
    assert "<script>" not in text and "\\<script\\>" in text  # shown as text, not run by a Markdown viewer
    assert "](javascript:" not in text and "<javascript:" not in text
    assert "a person must review" in text


def test_the_html_report_is_escaped_and_self_contained(tmp_path):
    path = tmp_path / "out.html"
    write_output(path, "html", sample_items(), EN)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in text
    assert "<script" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;b&gt;selon&lt;/b&gt;" in text
    assert 'href="javascript:' not in text and "javascript:alert(1)" in text  # shown, never linked
    assert f'<a href="{LE_MONDE}" rel="noopener noreferrer">' in text
    # Nothing to fetch: no stylesheet, script, image or font from elsewhere.
    assert not re.search(r"<(link|script|img|iframe)\b|@import|url\(", text)
    sections = re.findall(r'<section id="([a-z_]+)">', text)
    assert sections == ["refuted", "conflicting", "supported", "not_enough_evidence", "skipped"]
    assert "Le Monde · 2020-09-16" in text and "<cite lang=\"fr\">Kim Kardashian boycotte Instagram</cite>" in text


def test_an_output_is_replaced_whole_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "out.md"
    path.write_text("an older report")
    write_output(path, "md", sample_items()[:1], EN)
    assert path.read_text(encoding="utf-8").startswith("# Claim check report")
    assert [p.name for p in tmp_path.iterdir()] == ["out.md"]


def test_the_output_format_follows_the_extension_or_the_option(tmp_path):
    assert [output_format(tmp_path / n) for n in ("a.csv", "a.JSONL", "a.md", "a.html", "a.jsonld", "a.json")] == [
        "csv", "jsonl", "md", "html", "claimreview", "claimreview"]
    assert output_format(tmp_path / "a.txt", "csv") == "csv"
    with pytest.raises(InvalidInput, match="cannot tell the output format of a.xlsx"):
        output_format(tmp_path / "a.xlsx")


def test_the_reports_flag_a_repeated_claim_in_their_language(tmp_path):
    """A claim the file repeats is checked once: the CSV and JSONL say same_as_line, the reports a person reads
    say it beside the repeated row, in the report's language (English asked, else the claims' French)."""
    first = sample_items()[0]
    again = Checked(replace(first.row, line_no=9, id=None), first.result, same_as_line=2)
    items = [first, again]
    for fmt, info, sentence in (("md", EN, "same claim as line 2: checked once"),
                                ("md", INFO, "même affirmation qu'à la ligne 2 : vérifiée une fois"),
                                ("html", EN, '<p class="same-as">same claim as line 2: checked once</p>'),
                                ("html", INFO, '<p class="same-as">même affirmation qu&#x27;à la ligne 2 : '
                                               'vérifiée une fois</p>')):
        path = tmp_path / f"out.{fmt}"
        write_output(path, fmt, items, info)
        text = path.read_text(encoding="utf-8")
        assert text.count(sentence) == 1, (fmt, info.language)  # the repeated row only, not the first
        heading = {"md": "### line 9", "html": "<h3>line 9"}[fmt] if info is EN else None
        if heading:
            assert text.index(heading) < text.index(sentence)
    write_output(tmp_path / "out.csv", "csv", items, EN)
    assert [r["same_as_line"] for r in _csv_rows(tmp_path / "out.csv")] == ["", "2"]
