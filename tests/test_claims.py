"""A claim reads the same whatever the door: invisible characters never change what is checked."""

from __future__ import annotations

import pytest

from service.check.inputs import BadRow, Row, read_claims
from service.claims import claim_problem, normalise_claim


@pytest.mark.parametrize("raw,clean", [
    ("Kim Kar\u200bdashian a 189\u00ad millions", "Kim Kardashian a 189 millions"),
    ("\u202eKim\u2066 Kardashian\u2069", "Kim Kardashian"),
    ("Kim\tKardashian\x0b a  ８９ millions", "Kim Kardashian a 89 millions"),
    ("ﬁn de la saison", "fin de la saison"),
])
def test_invisible_and_compatibility_characters_are_normalised(raw, clean):
    assert normalise_claim(raw) == clean and claim_problem(clean) is None


@pytest.mark.parametrize("raw", ["\u200b\u200b\u200b", "...", "« » — !", "the of and", "le la les"])
def test_a_claim_with_nothing_to_check_is_named_as_such(raw):
    assert claim_problem(normalise_claim(raw))


def test_a_claims_file_skips_meaningless_lines_and_normalises_the_others(tmp_path):
    path = tmp_path / "claims.txt"
    path.write_text("Kim Kar\u200bdashian a 189 millions d'abonnés\n...\n\u200b\u200b\n", encoding="utf-8")
    items = list(read_claims(path))
    rows = [i for i in items if isinstance(i, Row)]
    bad = {b.line_no: b.reason for b in items if isinstance(b, BadRow)}
    assert [r.claim for r in rows] == ["Kim Kardashian a 189 millions d'abonnés"]
    assert "no word to check" in bad[2] and bad[3] == "the claim is empty"


def test_recoupe_verify_refuses_a_meaningless_claim_before_loading_anything(capsys, tmp_path):
    from service.cli.main import main

    assert main(["--data-dir", str(tmp_path / "never"), "verify", "\u200b ... \u200b"]) == 2
    assert "no word to check" in capsys.readouterr().err
    assert not (tmp_path / "never").exists()
