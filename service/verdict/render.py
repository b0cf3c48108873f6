"""Words for a person, rendered from the typed records at the edges (API,
CLI, batch writers, the page), in a given language: the claim's for the API
and the CLI, the reader's on the page. The words are gettext messages
(service/translations); nothing here is read back by any decision.
"""

from __future__ import annotations

from babel.dates import get_day_names

from service.retrieve.text import fold
from service.translations import N_, Words, vocabulary, words
from service.verdict.quantities import WEEKDAYS
from service.verdict.types import ClaimReason, Finding, FindingKind, Outcome, Verdict


def lang_of(language: str) -> str:
    return words(language).lang


def finding_text(f: Finding, language: str, claim: str | None = None) -> str:
    w = words(language)
    if f.kind == FindingKind.WORDING:
        return _wording_text(f, w)
    return w.gettext("%(finding)s %(dated)s", finding=_finding_words(f, w, claim), dated=_dated(f, w))


def _dated(f: Finding, w: Words) -> str:
    """A day ("passage du 14 septembre 2020") is said differently from a month or a year ("passage de
    septembre 2020", "passage de 2020"), which `w.date` keeps at the precision the article gave."""
    if not f.published_at:
        return w.gettext("(undated passage)")
    if len(f.published_at) >= len("2020-09-14"):
        return w.gettext("(passage of %(date)s)", date=w.date(f.published_at))
    return w.gettext("(passage from %(date)s)", date=w.date(f.published_at))


def shown_value(f: Finding, value: str, w: Words) -> str:
    """A finding's value as the reader reads it: a weekday in their language (CLDR's names), else as written."""
    if f.kind != FindingKind.WEEKDAY:
        return value
    days = get_day_names("wide", locale=w.lang)
    return " / ".join(days[WEEKDAYS[fold(v).strip()]] if fold(v).strip() in WEEKDAYS else v
                      for v in str(value).split(" / "))


def subject_words(entity: str | None, claim: str | None) -> str:
    """Whom a value is about, as the claim names them ("Kim Kardashian"), not the rules' folded key."""
    if not entity:
        return ""
    keys = set(entity.split())
    named = [word for word in (claim or "").split() if fold(word).strip(".,;:!?«»\"'") in keys]
    return " ".join(named) if named else " ".join(k.capitalize() for k in entity.split())


def _wording_text(f: Finding, w: Words) -> str:
    if f.outcome == Outcome.MATCH:
        return w.gettext("wording: the passage says what the claim says, in its words, names and numbers")
    if f.unit == "number":
        return w.gettext("wording: the same words, but the claim's “%(claim)s” is “%(passage)s” in the passage",
                         claim=f.claim_value, passage=f.passage_value)
    return w.gettext("wording: the same words, but the claim is %(claim)s and the passage %(passage)s",
                     claim=vocabulary.name(vocabulary.POLARITIES, f.claim_value, w),
                     passage=vocabulary.name(vocabulary.POLARITIES, f.passage_value, w))


def _finding_words(f: Finding, w: Words, claim: str | None = None) -> str:
    kind = vocabulary.name(vocabulary.FINDING_KINDS, f.kind, w)
    unit = vocabulary.name(vocabulary.UNITS, f.unit, w) if f.unit else None
    what = ", ".join(x for x in (unit, subject_words(f.entity, claim)) if x)
    what = f" ({what})" if what else ""
    c, p = shown_value(f, f.claim_value, w), shown_value(f, f.passage_value, w)
    message = {
        Outcome.MATCH: N_("%(kind)s: the claim's “%(claim)s”%(what)s matches “%(passage)s” in the passage"),
        Outcome.CONFLICT: N_("%(kind)s: the claim says “%(claim)s”%(what)s where the passage says “%(passage)s”"),
        Outcome.OTHER_ENTITY: N_("%(kind)s: “%(passage)s” in the passage is not about the claim's subject "
                                 "(“%(claim)s”%(what)s): not compared"),
        Outcome.OTHER_EVENT: N_("%(kind)s: the claim says “%(claim)s”, the passage “%(passage)s”, but not of the "
                                "same event: not compared"),
    }[f.outcome]
    return w.gettext(message, kind=kind, claim=c, passage=p, what=what)


def explain(v) -> list[str]:
    """Sentences saying which evidence and which checks decided a Verification (in `v.language`'s words)."""
    w = words(v.language)
    sup = sorted((e for e in v.evidence if e.stance == "supports"), key=lambda e: -e.strength)
    ref = sorted((e for e in v.evidence if e.stance == "refutes"), key=lambda e: -e.strength)
    out = []
    if v.verdict == Verdict.CONFLICTING:
        out.append(w.gettext("%(support)s supports the claim (%(s)s) but %(refute)s refutes it (%(r)s): the sources "
                             "disagree.", support=_cite(sup[0], v.claim), s=w.number(sup[0].strength),
                             refute=_cite(ref[0], v.claim), r=w.number(ref[0].strength)))
        values = _values(v.evidence, w)
        if values:
            out.append(w.gettext("The values found, with their date and source: %(values)s.",
                                 values=w.gettext("; ").join(values)))
        else:
            out += _rule_lines(ref[0], w, v.claim)
    elif v.verdict in (Verdict.SUPPORTED, Verdict.REFUTED):
        best = (sup if v.verdict == Verdict.SUPPORTED else ref)[0]
        message = (N_("%(cite)s supports the claim (strength %(strength)s).") if v.verdict == Verdict.SUPPORTED
                   else N_("%(cite)s refutes the claim (strength %(strength)s)."))
        out.append(w.gettext(message, cite=_cite(best, v.claim), strength=w.number(best.strength)))
        out += _rule_lines(best, w, v.claim)
        others = (sup if v.verdict == Verdict.SUPPORTED else ref)[1:]
        if others:
            out.append(w.ngettext("%(num)s more passage points the same way.",
                                  "%(num)s more passages point the same way.", len(others)))
        against = (ref if v.verdict == Verdict.SUPPORTED else sup)
        if against:
            out.append(w.gettext("%(cite)s points the other way, less strongly (%(strength)s).",
                                 cite=_cite(against[0], v.claim), strength=w.number(against[0].strength)))
    else:
        reason = v.reasons[0] if v.reasons else ClaimReason.NO_EVIDENCE
        message = {
            ClaimReason.NOTHING_RETRIEVED: N_("No passage was retrieved."),
            ClaimReason.NO_EVIDENCE: N_("None of the passages found bears on what the claim says: nothing supports "
                                        "or refutes it."),
            ClaimReason.BELOW_THRESHOLD: N_("Some passages bear on the claim, but neither support nor refutation "
                                            "reaches the confidence set for a verdict."),
        }.get(reason)
        out.append(w.gettext(message) if message else "")
    if v.probabilities:
        shown = ", ".join(f"{vocabulary.name(vocabulary.VERDICTS_LOWER, k, w)} {w.number(p)}"
                          for k, p in v.probabilities.items() if k in vocabulary.VERDICTS_LOWER)
        out.append(w.gettext("Calibrated probabilities: %(values)s.", values=shown))
    aside = sum(1 for e in v.evidence if e.stance == "neutral" and any(r == "other_subject" for r in e.reasons))
    if aside:
        out.append(w.ngettext("%(num)s passage about other people than the claim's subject was set aside.",
                              "%(num)s passages about other people than the claim's subject were set aside.", aside))
    return [line for line in out if line]


def _values(evidence, w: Words) -> list[str]:
    """Every value of the same thing stated by a passage that counts, with its date and its sources."""
    out = []
    for e in evidence:
        if e.stance == "neutral":
            continue
        for f in e.findings:
            if f.kind in (FindingKind.QUANTITY, FindingKind.DATE) and f.outcome in (Outcome.MATCH, Outcome.CONFLICT):
                when = w.date(f.published_at) if f.published_at else w.gettext("undated")
                sources = ", ".join(f"{s.title} ({s.source})" for s in e.sources)
                out.append(w.gettext("“%(value)s” (%(when)s; %(sources)s)", value=shown_value(f, f.passage_value, w),
                                     when=when, sources=sources))
    return out


def _rule_lines(e, w: Words, claim: str | None = None) -> list[str]:
    lines = []
    for f in e.findings:
        if f.outcome == Outcome.CONFLICT:
            lines.append(w.gettext("Number and date check: %(finding)s, so the passage refutes the claim whatever "
                                   "the stance model read.", finding=finding_text(f, w.lang, claim)))
        elif f.outcome == Outcome.MATCH:
            lines.append(w.gettext("Check: %(finding)s.", finding=finding_text(f, w.lang, claim)))
    return lines


def _cite(e, claim: str | None = None) -> str:
    s = e.sources[0]
    more = f" +{len(e.sources) - 1}" if len(e.sources) > 1 else ""
    return f"«{quote(e.text, claim)}» ({s.title}, {s.source}{more})"


QUOTE_CHARS = 90  # a quote's usual length in an explanation; it runs on to keep a quantity whole


def quote(text: str, claim: str | None = None, n: int = QUOTE_CHARS) -> str:
    """The passage cut near `n` characters, never inside a number or its unit: the cut runs on to the end of
    the quantity (digits, separators, a scale or unit word) or of the sentence, so that "plus de 188 millions
    d'abonnés" is never quoted as "plus de 188…"."""
    if len(text) <= n:
        return text
    end = n - 1
    # Run on while inside a number ("188 000", "1.5") or the words that finish it ("millions", "d'abonnés").
    while end < len(text) and (text[end].isalnum() or (text[end] in " ,.\u202f\u00a0'’%" and _in_quantity(text, end))):
        end += 1
    cut = text[:end].rstrip(" ,;:")
    return cut if end >= len(text) else cut + "…"


def _in_quantity(text: str, i: int) -> bool:
    """Whether position i (a space or separator) still belongs to the quantity ending before it: a digit
    before, and a digit, a scale or a unit word after."""
    before = text[:i].rstrip()
    if not before or not (before[-1].isdigit() or _last_word(before) in _QUANTITY_WORDS):
        return False
    rest = text[i + 1:].lstrip(" \u202f\u00a0")
    nxt = (rest.split(" ", 1)[0] if rest else "").strip(",.;:")
    return bool(nxt) and (nxt[0].isdigit() or fold(nxt).split("'")[-1].split("’")[-1] in _QUANTITY_WORDS or
                          fold(nxt) in _QUANTITY_WORDS)


def _last_word(text: str) -> str:
    return fold(text.split()[-1]).strip(",.;:") if text.split() else ""


def _quantity_words() -> set[str]:
    from service.verdict.quantities import CONCEPTS, SCALES

    return {w for ws in CONCEPTS.values() for w in ws} | set(SCALES) | {"de", "d", "of"}


_QUANTITY_WORDS = _quantity_words()
