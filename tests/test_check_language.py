"""The files of a check are written in one language: the one asked for (the CLI's --language, a page reader's),
else the language most of the claims are in; a ClaimReview draft in the one asked for, else its claim's. A
French report or draft holds no English interface words, and the explanation of an English claim is said in
French in it."""

from __future__ import annotations

import json
import re
from dataclasses import replace

from service.check.checked import ReportInfo
from service.check.language import draft_language, report_language
from service.check.writers import render_output
from service.verdict.records import verification_from_dict
from service.verdict.render import explain
from tests.test_check_writers import INFO, sample_items as written_items
from tests.test_check_run import real_verifier  # noqa: F401 (the fixture: the real models on the seeds)
from tests.test_page_french import ENGLISH, WORD, english_in

FR = replace(INFO, input_name="affirmations.csv", language="fr")


def sample_items():
    """test_check_writers' claims, with the explanation the verdict layer writes in each claim's language
    (there it is a placeholder that the writers print as it comes)."""
    items = written_items()
    for item in items:
        item.result["explanation"] = explain(verification_from_dict(item.result))
    return items


def english_words(text: str) -> set[str]:
    """Interface words of English in a report's text; quotes of the corpus (« ») are its own words."""
    text = re.sub(r"«[^»]*»", " ", text)
    return {w for w in re.findall(WORD, text.lower()) if w in ENGLISH}


def test_a_report_is_in_the_language_asked_for_else_in_its_claims_language():
    items = sample_items()  # three French claims, one English
    assert report_language(items, INFO) == "fr"
    assert report_language(items, replace(INFO, language="en")) == "en"
    assert report_language([items[2]], INFO) == "en"
    assert report_language([], INFO) == "en"
    assert report_language(items, replace(INFO, language="fr-CA")) == "fr"
    assert [draft_language(i, INFO) for i in items] == ["fr", "fr", "en", "fr"]
    assert {draft_language(i, replace(INFO, language="en")) for i in items} == {"en"}


def test_the_french_markdown_report_holds_no_english():
    text = render_output("md", sample_items(), FR).decode("utf-8")
    assert text.startswith("# Rapport de vérification des affirmations")
    assert "- **Verdict :** Réfutée (confiance 0,90)" in text and "| **Total** | **4** |" in text
    assert "**Réfute** (soutient 0,01, réfute 0,90)" in text and "2 mai 2024" in text
    # the typed reason of a skipped row; the English claim's explanation said again in French
    assert "## Lignes écartées" in text and "| 5 | la ligne est illisible |" in text
    conflicting = text.split("### c-3")[1].split("###")[0]
    assert "soutient l'affirmation (0,85)" in conflicting and "les sources divergent" in conflicting
    assert not english_words(text), english_words(text)


def test_the_french_html_report_holds_no_english_and_marks_the_corpus_language():
    text = render_output("html", sample_items(), FR).decode("utf-8")
    assert '<html lang="fr">' in text and "<h1>Rapport de vérification des affirmations</h1>" in text
    # an English claim inside the French report says its own language, for screen readers and the check below
    assert '<span lang="en">=HYPERLINK(' in text
    assert not english_in(text), english_in(text)


def test_french_claimreview_drafts_hold_no_english_in_their_human_text():
    drafts = json.loads(render_output("claimreview", sample_items(), FR))
    assert {d["inLanguage"] for d in drafts} == {"fr"}
    assert [d["reviewRating"]["alternateName"] for d in drafts] == ["Vrai", "Faux", "Contesté", "Non vérifiable"]
    for d in drafts:
        human = " ".join([d["description"], d["reviewRating"]["alternateName"], d["reviewBody"]])
        assert "doit relire" in d["description"]
        assert not english_words(human), (d["identifier"], english_words(human))
    assert "les sources divergent" in drafts[2]["reviewBody"]  # the English claim's explanation, in French


def test_english_stays_english():
    text = render_output("md", sample_items(), replace(INFO, language="en")).decode("utf-8")
    assert text.startswith("# Claim check report") and "- **Verdict:** Refuted (confidence 0.90)" in text
    assert "| 5 | the claim is empty |" in text  # the command line's own sentence
    drafts = json.loads(render_output("claimreview", sample_items(), ReportInfo("c.csv", "2024-05-02", 10, language="en")))
    assert [d["reviewRating"]["alternateName"] for d in drafts] == ["True", "False", "Disputed", "Unverifiable"]
    assert all("must review" in d["description"] for d in drafts)


def test_the_check_command_takes_the_language_of_its_report(real_verifier, tmp_path):
    """`recoupe check --language`: the option reaches the report; without it, the claims' language decides
    (the fixture's claims: three French, two English)."""
    import argparse

    import pytest

    from service.check.run import LocalBackend, run_check
    from service.cli import check_cmd
    from tests.test_check_run import CLAIMS

    parser = argparse.ArgumentParser()
    check_cmd.register(parser.add_subparsers())
    assert parser.parse_args(["check", "c.csv", "-o", "r.md", "--language", "en"]).language == "en"
    assert parser.parse_args(["check", "c.csv", "-o", "r.md"]).language is None
    with pytest.raises(SystemExit):
        parser.parse_args(["check", "c.csv", "-o", "r.md", "--language", "de"])

    def check(out, language=None):
        run_check(CLAIMS, out, backend=lambda: LocalBackend(real_verifier), language=language, progress=False,
                  log=[].append, date="2024-05-02")
        return out.read_text(encoding="utf-8")

    french = check(tmp_path / "rapport.md")
    assert french.startswith("# Rapport de vérification des affirmations") and "| 6 | l'affirmation est vide |" in french
    # the header, the notice and the summary (the claims that follow are the corpus's words, the file name its own)
    head = french.split("### ")[0].replace(CLAIMS.name, "")
    assert "## Synthèse" in head and not english_words(head), english_words(head)
    english = check(tmp_path / "report.md", "en")
    assert english.startswith("# Claim check report") and "| 6 | the claim is empty |" in english
