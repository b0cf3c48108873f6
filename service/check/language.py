"""The language a check's files are written in, and a record's words said again in that language.

A report (Markdown, HTML) is one document, so one language: the one asked for (`ReportInfo.language`: the
CLI's --language, the requester's language on a page or API download), else the language most of its claims
are in. A ClaimReview draft is a document of its own per claim: the language asked for, else its claim's.

A record's explanation and checks are stored in the claim's language (verdict/records.py); in a file written in
another language they are rendered again from the record's typed values, as the check page does.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from service.check.checked import Checked, ReportInfo
from service.translations import words


def report_language(items: list[Checked], info: ReportInfo) -> str:
    """A catalogue language ("fr", "en"): the one asked for, else the claims' most common (the first on a tie)."""
    if info.language:
        return words(info.language).lang
    counts = Counter(words(i.result.get("language")).lang for i in items)
    return counts.most_common(1)[0][0] if counts else words(None).lang


def draft_language(item: Checked, info: ReportInfo) -> str:
    """The language code of one ClaimReview draft (may be one without a catalogue, e.g. "de")."""
    return info.language or item.result.get("language") or words(None).lang


def explanation(result: dict, lang: str) -> list[str]:
    """The record's explanation sentences in `lang`."""
    if _stored_in(result, lang):
        return list(result.get("explanation") or [])
    from service.verdict.records import verification_from_dict
    from service.verdict.render import explain

    return explain(replace(verification_from_dict(result), language=lang))


def checks(result: dict, evidence: dict, lang: str) -> list[str]:
    """What the number and date checks found in one evidence item of the record, in `lang`."""
    if _stored_in(result, lang):
        return list(evidence.get("checks") or [])
    from service.verdict.records import verification_from_dict
    from service.verdict.render import finding_text

    typed = verification_from_dict({**result, "evidence": [evidence]}).evidence[0]
    return [finding_text(f, lang, result["claim"]) for f in typed.findings]


def _stored_in(result: dict, lang: str) -> bool:
    return words(result.get("language")).lang == words(lang).lang
