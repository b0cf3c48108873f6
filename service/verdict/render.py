"""Words for a person, rendered from the typed records at the edges (API,
CLI, batch writers), in the claim's language: French for a French claim,
English otherwise. Nothing here is read back by any decision.
"""

from __future__ import annotations

from service.verdict.types import ClaimReason, Finding, FindingKind, Outcome, Verdict

_KIND = {"fr": {FindingKind.QUANTITY: "nombre", FindingKind.DATE: "date", FindingKind.WEEKDAY: "jour",
                FindingKind.WORDING: "formulation"},
         "en": {FindingKind.QUANTITY: "number", FindingKind.DATE: "date", FindingKind.WEEKDAY: "weekday",
                FindingKind.WORDING: "wording"}}
_UNIT_FR = {"followers": "abonnés", "years": "ans", "hours": "heures", "days": "jours", "weeks": "semaines",
            "months": "mois", "people": "personnes", "advertisers": "annonceurs", "organisations": "organisations",
            "words": "mots", "points": "points", "percent": "%", "money": "argent", "votes": "voix",
            "deaths": "morts", "stars": "célébrités"}
_VERDICT = {"fr": {"supported": "soutenue", "refuted": "réfutée", "conflicting": "sources contradictoires",
                   "not_enough_evidence": "pas assez d'éléments"},
            "en": {"supported": "supported", "refuted": "refuted", "conflicting": "conflicting sources",
                   "not_enough_evidence": "not enough evidence"}}


def lang_of(language: str) -> str:
    return "fr" if language == "fr" else "en"


def finding_text(f: Finding, language: str) -> str:
    lang = lang_of(language)
    if f.kind == FindingKind.WORDING:
        return _wording_text(f, lang)
    return f"{_finding_words(f, lang)} {_dated(f, lang)}"


def _dated(f: Finding, lang: str) -> str:
    if f.published_at:
        return f"(passage du {f.published_at})" if lang == "fr" else f"(passage of {f.published_at})"
    return "(passage non daté)" if lang == "fr" else "(undated passage)"


def _wording_text(f: Finding, lang: str) -> str:
    if f.outcome == Outcome.MATCH:
        return ("formulation : le passage dit ce que dit l'affirmation, avec ses mots, ses noms et ses nombres"
                if lang == "fr" else "wording: the passage says what the claim says, in its words, names and numbers")
    if f.unit == "number":
        return (f"formulation : les mêmes mots, mais « {f.claim_value} » dans l'affirmation devient « {f.passage_value} »"
                " dans le passage" if lang == "fr" else
                f"wording: the same words, but the claim's \"{f.claim_value}\" is \"{f.passage_value}\" in the passage")
    polarity = {"fr": {"negative": "négative", "affirmative": "affirmative"}}
    c = polarity["fr"].get(f.claim_value, f.claim_value) if lang == "fr" else f.claim_value
    p = polarity["fr"].get(f.passage_value, f.passage_value) if lang == "fr" else f.passage_value
    return (f"formulation : les mêmes mots, mais l'affirmation est {c} et le passage {p}" if lang == "fr" else
            f"wording: the same words, but the claim is {c} and the passage {p}")


def _finding_words(f: Finding, lang: str) -> str:
    kind = _KIND[lang][f.kind]
    unit = (_UNIT_FR.get(f.unit, f.unit) if lang == "fr" else f.unit) if f.unit else None
    what = ", ".join(x for x in (unit, f.entity) if x)
    what = f" ({what})" if what else ""
    c, p = f.claim_value, f.passage_value
    if lang == "fr":
        return {
            Outcome.MATCH: f"{kind} : « {c} »{what} dans l'affirmation concorde avec « {p} » dans le passage",
            Outcome.CONFLICT: f"{kind} : l'affirmation dit « {c} »{what} là où le passage dit « {p} »",
            Outcome.OTHER_ENTITY: f"{kind} : « {p} » dans le passage ne concerne pas le sujet de l'affirmation "
                                  f"(« {c} »{what}) : non comparé",
            Outcome.OTHER_EVENT: f"{kind} : l'affirmation dit « {c} », le passage « {p} », mais pas du même "
                                 "événement : non comparé",
        }[f.outcome]
    return {
        Outcome.MATCH: f"{kind}: the claim's \"{c}\"{what} matches \"{p}\" in the passage",
        Outcome.CONFLICT: f"{kind}: the claim says \"{c}\"{what} where the passage says \"{p}\"",
        Outcome.OTHER_ENTITY: f"{kind}: \"{p}\" in the passage is not about the claim's subject (\"{c}\"{what}): "
                              "not compared",
        Outcome.OTHER_EVENT: f"{kind}: the claim says \"{c}\", the passage \"{p}\", but not of the same event: "
                             "not compared",
    }[f.outcome]


def explain(v) -> list[str]:
    """Sentences saying which evidence and which checks decided a Verification."""
    lang = lang_of(v.language)
    fr = lang == "fr"
    sup = sorted((e for e in v.evidence if e.stance == "supports"), key=lambda e: -e.strength)
    ref = sorted((e for e in v.evidence if e.stance == "refutes"), key=lambda e: -e.strength)
    out = []
    if v.verdict == Verdict.CONFLICTING:
        out.append(f"{_cite(sup[0])} soutient l'affirmation ({sup[0].strength:.2f}) mais {_cite(ref[0])} la réfute "
                   f"({ref[0].strength:.2f}) : les sources divergent." if fr else
                   f"{_cite(sup[0])} supports the claim ({sup[0].strength:.2f}) but {_cite(ref[0])} refutes it "
                   f"({ref[0].strength:.2f}): the sources disagree.")
        values = _values(v.evidence, lang)
        if values:
            out.append(("Valeurs relevées, avec leur date et leur source : " if fr else
                        "The values found, with their date and source: ") + " ; ".join(values) + ".")
        else:
            out += _rule_lines(ref[0], lang)
    elif v.verdict in (Verdict.SUPPORTED, Verdict.REFUTED):
        best = (sup if v.verdict == Verdict.SUPPORTED else ref)[0]
        verb = ("soutient" if v.verdict == Verdict.SUPPORTED else "réfute") if fr else \
            ("supports" if v.verdict == Verdict.SUPPORTED else "refutes")
        out.append(f"{_cite(best)} {verb} l'affirmation (force {best.strength:.2f})." if fr else
                   f"{_cite(best)} {verb} the claim (strength {best.strength:.2f}).")
        out += _rule_lines(best, lang)
        others = (sup if v.verdict == Verdict.SUPPORTED else ref)[1:]
        if others:
            out.append(f"{len(others)} autre(s) passage(s) vont dans le même sens." if fr else
                       f"{len(others)} more passage(s) point the same way.")
        against = (ref if v.verdict == Verdict.SUPPORTED else sup)
        if against:
            out.append(f"{_cite(against[0])} va en sens contraire, plus faiblement ({against[0].strength:.2f})."
                       if fr else f"{_cite(against[0])} points the other way, less strongly "
                                  f"({against[0].strength:.2f}).")
    else:
        reason = v.reasons[0] if v.reasons else ClaimReason.NO_EVIDENCE
        out.append({
            ClaimReason.NOTHING_RETRIEVED: ("Aucun passage n'a été trouvé." if fr else "No passage was retrieved."),
            ClaimReason.NO_EVIDENCE: ("Aucun des passages trouvés ne porte sur ce que dit l'affirmation : rien ne la "
                                      "soutient ni ne la réfute." if fr else
                                      "None of the passages found bears on what the claim says: nothing supports "
                                      "or refutes it."),
            ClaimReason.BELOW_THRESHOLD: ("Des passages portent sur l'affirmation, mais ni le soutien ni la "
                                          "réfutation n'atteint le seuil de confiance fixé pour conclure." if fr else
                                          "Some passages bear on the claim, but neither support nor refutation "
                                          "reaches the confidence set for a verdict."),
        }.get(reason, ""))
    if v.probabilities:
        names = _VERDICT[lang]
        shown = ", ".join(f"{names[k]} {p:.2f}" for k, p in v.probabilities.items() if k in names)
        out.append(f"Probabilités calibrées : {shown}." if fr else f"Calibrated probabilities: {shown}.")
    aside = sum(1 for e in v.evidence if e.stance == "neutral" and any(r == "other_subject" for r in e.reasons))
    if aside:
        out.append(f"{aside} passage(s) parlant d'autres personnes que le sujet de l'affirmation ont été écartés."
                   if fr else f"{aside} passage(s) about other people than the claim's subject were set aside.")
    return [line for line in out if line]


def _values(evidence, lang: str) -> list[str]:
    """Every value of the same thing stated by a passage that counts, with its date and its sources."""
    out = []
    for e in evidence:
        if e.stance == "neutral":
            continue
        for f in e.findings:
            if f.kind in (FindingKind.QUANTITY, FindingKind.DATE) and f.outcome in (Outcome.MATCH, Outcome.CONFLICT):
                when = f.published_at or ("sans date" if lang == "fr" else "undated")
                sources = ", ".join(f"{s.title} ({s.source})" for s in e.sources)
                out.append(f"« {f.passage_value} » ({when} ; {sources})" if lang == "fr" else
                           f"\"{f.passage_value}\" ({when}; {sources})")
    return out


def _rule_lines(e, lang: str) -> list[str]:
    lines = []
    for f in e.findings:
        if f.outcome == Outcome.CONFLICT:
            lines.append(f"Contrôle des nombres et des dates : {finding_text(f, 'fr')} ; le passage réfute donc "
                         "l'affirmation, quoi qu'en lise le modèle de stance." if lang == "fr" else
                         f"Quantity/date check: {finding_text(f, 'en')}, so the passage refutes the claim whatever "
                         "the stance model read.")
        elif f.outcome == Outcome.MATCH:
            lines.append(f"Contrôle : {finding_text(f, 'fr')}." if lang == "fr" else f"Check: {finding_text(f, 'en')}.")
    return lines


def _cite(e) -> str:
    s = e.sources[0]
    more = f" +{len(e.sources) - 1}" if len(e.sources) > 1 else ""
    return f"«{_short(e.text)}» ({s.title}, {s.source}{more})"


def _short(text: str, n: int = 90) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"
