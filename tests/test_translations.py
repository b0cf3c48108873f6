"""The catalogues: every message the code and the templates use has its French, the compiled catalogue says
what the .po says, and every typed value has its words."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from service.translations import DIRECTORY, LANGUAGES, DEFAULT, words
from tests.conftest import REPO

CONFIG = DIRECTORY / "babel.cfg"


def _used_messages() -> set[str]:
    """What `pybabel extract` finds (the same configuration and keywords as the README's command)."""
    from babel.messages.extract import DEFAULT_KEYWORDS
    from babel.messages.frontend import parse_mapping_cfg

    with open(CONFIG, encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(REPO), method_map, options_map, keywords=keywords):
        found.add(message[0] if isinstance(message, tuple) else message)
    return {m for m in found if m}


def _catalogue(lang: str):
    with open(DIRECTORY / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=lang)


def test_every_message_used_in_code_and_templates_has_its_french():
    used = _used_messages()
    assert len(used) > 200
    po = _catalogue("fr")
    missing = []
    for msgid in sorted(used):
        message = next((m for m in po if (m.id[0] if isinstance(m.id, tuple) else m.id) == msgid), None)
        strings = (message.string if isinstance(message.string, tuple) else (message.string,)) if message else ("",)
        if message is None or not all(strings) or message.fuzzy:
            missing.append(msgid)
    assert not missing, ("run pybabel extract/update and translate: " + "; ".join(missing[:20]))


def test_the_compiled_catalogue_says_what_the_po_says():
    for lang in LANGUAGES:
        if lang == DEFAULT:
            continue
        po = {_key(m.id): _key(m.string) for m in _catalogue(lang) if m.id and not m.fuzzy}
        with open(DIRECTORY / lang / "LC_MESSAGES" / "messages.mo", "rb") as fh:
            mo = {_key(m.id): _key(m.string) for m in read_mo(fh) if m.id}
        assert mo == po, "the .mo is stale: run `pybabel compile -d service/translations`"


def _key(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


def test_every_typed_value_has_its_words():
    from service.translations import vocabulary
    from service.verdict.quantities import CONCEPTS
    from service.verdict.review import Action
    from service.verdict.types import STANCES, VERDICTS, FindingKind, Outcome

    assert set(vocabulary.VERDICTS) == set(VERDICTS) == set(vocabulary.VERDICTS_LOWER)
    assert set(vocabulary.STANCES) == set(STANCES) == set(vocabulary.STANCE_GROUPS)
    assert set(vocabulary.FINDING_KINDS) == {k.value for k in FindingKind}
    assert set(vocabulary.OUTCOMES) == {o.value for o in Outcome}
    assert set(vocabulary.UNITS) >= set(CONCEPTS)
    assert set(vocabulary.REVIEW_ACTIONS) == {a.value for a in Action}


def test_numbers_dates_and_plurals_follow_the_language():
    fr, en = words("fr"), words("en")
    assert fr.number(0.41) == "0,41" and en.number(0.41) == "0.41"
    assert fr.number(1000, 0) == "1\u202f000" and en.number(1000, 0) == "1,000"
    assert fr.percent(0.41) == "41\u00a0%" and en.percent(0.41) == "41%"
    assert fr.datetime("2026-12-03T07:06:45+00:00").startswith("3 décembre 2026")
    assert en.date("2024-03-01") == "March 1, 2024"
    # a month-precise publication date stays a month, in words ("passage du 2020-09" before)
    assert fr.date("2020-09") == "septembre 2020" and en.date("2020-09") == "September 2020"
    assert fr.ngettext("%(num)s check", "%(num)s checks", 1) == "1 vérification"
    assert fr.ngettext("%(num)s check", "%(num)s checks", 2) == "2 vérifications"
    assert words("fr-CA").lang == "fr" and words("de").lang == "en"
