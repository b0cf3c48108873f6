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


def test_a_claims_length_is_counted_as_sent_not_after_nfkc():
    from marshmallow import ValidationError

    from service.api.schemas import BatchVerifyRequest, VerifyRequest
    from service.check.inputs import _row
    from service.limits import MAX_CLAIM_CHARS

    short = "\ufdfa" * 115  # 115 characters sent; NFKC makes each of them 18
    assert len(VerifyRequest().load({"claim": short})["claim"]) == 115 * 18
    assert len(BatchVerifyRequest().load({"claims": [short]})["claims"][0]) == 115 * 18
    assert _row(1, short).claim == normalise_claim(short)
    with pytest.raises(ValidationError, match="the claim is 1001 characters long, over the 1000-character limit"):
        VerifyRequest().load({"claim": "a" * (MAX_CLAIM_CHARS + 1)})
    assert "over the 1000-character limit" in _row(2, "a" * (MAX_CLAIM_CHARS + 1)).reason


def test_the_claims_limit_is_still_documented(tmp_path):
    from service.api import create_app
    from service.config import Config

    spec = create_app(Config(data_dir=tmp_path)).test_client().get("/v1/openapi.json").get_json()
    claim = spec["components"]["schemas"]["VerifyRequest"]["properties"]["claim"]
    assert (claim["minLength"], claim["maxLength"]) == (1, 1000)
