"""Reading a file of claims for `recoupe check`: each format, and bad rows skipped with their line numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.check.inputs import BadRow, Row, read_claims
from service.errors import InvalidInput

FIXTURES = Path(__file__).parent / "fixtures" / "check"


def _split(path):
    items = list(read_claims(path))
    return [i for i in items if isinstance(i, Row)], {b.line_no: b.reason for b in items if isinstance(b, BadRow)}


def test_a_spreadsheet_csv_keeps_ids_extra_columns_and_line_numbers():
    # UTF-8 with BOM, ';' separated (a French-locale spreadsheet), a quoted cell spanning two lines.
    rows, bad = _split(FIXTURES / "claims.csv")
    assert [r.id for r in rows] == ["seed-01", "seed-21", "seed-03", "seed-32", "seed-26"]
    assert [r.line_no for r in rows] == [2, 4, 5, 7, 8]
    assert rows[0].claim == "Kim Kardashian a 189 millions d'abonnés sur Instagram"
    assert rows[0].extra == {"claim_url": "https://example.org/post/1", "speaker": "Un internaute",
                             "note": "deux\nlignes"}
    assert list(rows[1].extra) == ["claim_url", "speaker", "note"]
    assert bad == {6: "the claim is empty"}


def test_a_csv_without_an_id_column_keys_rows_by_line_and_claim(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("Claim,source\nLe gel dure 24 heures,tweet\nLe gel dure 24 heures,tweet\n", encoding="utf-8")
    rows, bad = _split(path)
    assert [(r.line_no, r.id, r.extra) for r in rows] == [(2, None, {"source": "tweet"}),
                                                          (3, None, {"source": "tweet"})]
    assert rows[0].key != rows[1].key and not bad


def test_a_csv_without_a_claim_column_is_refused_naming_the_columns_found(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("id,statement,date\n1,Le gel dure 24 heures,2020-09-16\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"no \"claim\" column \(columns found: 'id', 'statement', 'date'\)"):
        list(read_claims(path))


def test_bad_csv_rows_are_skipped_with_their_line_numbers(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(b"id,claim\n"
                     b"a,Le gel des comptes dure 24 heures\n"
                     b"b,\n"
                     b"c," + ("x" * 1001).encode() + b"\n"
                     b"d,Caf\xe9 cr\xe8me en Windows-1252\n"
                     b"e,trop,de,champs\n"
                     b"a,Un autre texte avec le meme id\n"
                     b"\n"
                     b"f,Katy Perry a 107 millions d'abonnes\n")
    rows, bad = _split(path)
    assert [(r.line_no, r.id) for r in rows] == [(2, "a"), (9, "f")]
    assert sorted(bad) == [3, 4, 5, 6, 7]
    assert "empty" in bad[3] and "1001 characters" in bad[4] and "not UTF-8" in bad[5]
    assert "header has 2" in bad[6] and "already used on line 2" in bad[7]


def test_jsonl_rows_carry_their_other_fields_and_bad_lines_are_skipped(tmp_path):
    path = tmp_path / "c.jsonl"
    lines = [json.dumps({"id": 7, "claim": "Katy Perry a 107 millions d'abonnés", "language": "fr", "tags": ["a"]}),
             '{"claim": "Kim Kardashian will not post on Instagram", ',  # cut off
             json.dumps(["not", "an", "object"]),
             json.dumps({"text": "no claim field"}),
             "",
             json.dumps({"claim": "   "}),
             json.dumps({"claim": "Le gel\u2028dure 24 heures", "id": None})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows, bad = _split(path)
    assert [(r.line_no, r.id, r.claim) for r in rows] == [(1, "7", "Katy Perry a 107 millions d'abonnés"),
                                                          (7, None, "Le gel dure 24 heures")]
    assert rows[0].extra == {"language": "fr", "tags": ["a"]}
    assert sorted(bad) == [2, 3, 4, 6]
    assert "not valid JSON" in bad[2] and "not a JSON object" in bad[3]
    assert "fields found: text" in bad[4] and "empty" in bad[6]


def test_a_text_file_is_one_claim_per_line(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"\xef\xbb\xbfKim Kardashian a 189 millions d'abonn\xc3\xa9s\r\n\r\n"
                     b"  Katy Perry   a 107 millions d'abonn\xc3\xa9s  \r\n"
                     b"\xff\xfe broken\r\n")
    rows, bad = _split(path)
    assert [(r.line_no, r.claim) for r in rows] == [(1, "Kim Kardashian a 189 millions d'abonnés"),
                                                    (3, "Katy Perry a 107 millions d'abonnés")]
    assert list(bad) == [4] and "not UTF-8" in bad[4]


def test_an_unknown_extension_is_refused_with_the_ones_known(tmp_path):
    path = tmp_path / "claims.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(InvalidInput, match=r"'\.xlsx' is not one of \.csv, \.jsonl, \.ndjson, \.txt"):
        list(read_claims(path))


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(InvalidInput, match="does not exist"):
        list(read_claims(tmp_path / "nope.csv"))
