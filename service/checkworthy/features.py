"""What a fact-checker looks for in a sentence before checking it, as numbers the model can weigh.

French and English alike (word lists for both; numbers and names need none): a figure, a
percentage or an amount, a date, named people or places, a comparison or a superlative, a cause,
an attribution ("said", "selon"); and against checking: a question, a first-person opinion, a
future or a hypothesis, a greeting, a sentence too short to say anything.
"""

from __future__ import annotations

import re

_NUMBER = re.compile(r"(?<![\w.])\d[\d\s.,]*\d?(?:\s?(?:%|pour\s?cent|percent|per\s?cent))?", re.I)
_PERCENT_MONEY = re.compile(r"%|\bpour\s?cent\b|\bper\s?cent\b|\bpercent\b|[$€£]|\beuros?\b|\bdollars?\b|"
                            r"\bmillions?\b|\bmilliards?\b|\bbillions?\b|\btrillions?\b", re.I)
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_MONTHS = re.compile(r"\b(january|february|march|april|may|june|july|august|september|october|november|december|"
                     r"janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|"
                     r"décembre|decembre|yesterday|today|last year|last week|hier|aujourd'hui|l'an dernier|"
                     r"l'année dernière|depuis)\b", re.I)
_COMPARE = re.compile(r"\b(more|less|fewer|most|least|higher|lower|highest|lowest|bigger|biggest|largest|smallest|"
                      r"increase[ds]?|decrease[ds]?|doubled?|tripled?|record|than|times|rose|fell|grew|dropped|"
                      r"plus|moins|davantage|hausse|baisse|augmenté|diminué|doublé|triplé|record|que jamais|fois|"
                      r"premier|première|seul|seule|only|first|every|all|none|never|jamais|aucun|aucune)\b", re.I)
_CAUSE = re.compile(r"\b(because|caused?|causes|due to|led to|leads to|result(?:ed)? in|therefore|thanks to|"
                    r"parce que|à cause|a cause|grâce à|grace a|entraîné|entraine|provoqué|provoque|donc|"
                    r"en raison|dû à|du a)\b", re.I)
_ATTRIBUTION = re.compile(r"\b(said|says|according to|reported|report|study|survey|data|statistics|official|"
                          r"selon|d'après|a déclaré|affirme|rapport|étude|etude|enquête|sondage|chiffres|données|"
                          r"donnees|officiel|insee|ministère|gouvernement|government|percent)\b", re.I)
_OPINION = re.compile(r"\b(i think|i believe|i feel|i hope|in my opinion|we need|we must|we should|let me|"
                      r"je pense|je crois|je trouve|j'espère|à mon avis|il faut|nous devons|on doit|"
                      r"wonderful|great|terrible|horrible|beautiful|amazing|incroyable|magnifique|formidable)\b", re.I)
_FUTURE = re.compile(r"\b(will|would|could|might|should|going to|gonna|va|vont|allons|sera|serait|pourrait|"
                     r"devrait|if|si)\b", re.I)
_GREETING = re.compile(r"^\s*(thank|thanks|merci|bonjour|hello|good evening|bonsoir|applause|laughter|"
                       r"\(applause|\(laughter|\[|ok|okay|yes|no|oui|non|well)\b", re.I)
_CAPITAL = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-ZÀ-Ý][\wÀ-ÿ'-]+")
_WORD = re.compile(r"\w+", re.UNICODE)

HAND_FEATURES = ("numbers", "percent_or_amount", "date", "names", "comparison", "cause", "attribution",
                 "question", "opinion", "future", "greeting", "words", "short")


def hand_features(sentence: str) -> list[float]:
    words = _WORD.findall(sentence)
    n = len(words)
    names = len(_CAPITAL.findall(sentence.strip()))
    return [
        min(3, len(_NUMBER.findall(sentence))) / 3,
        float(bool(_PERCENT_MONEY.search(sentence))),
        float(bool(_YEAR.search(sentence) or _MONTHS.search(sentence))),
        min(4, names) / 4,
        min(3, len(_COMPARE.findall(sentence))) / 3,
        float(bool(_CAUSE.search(sentence))),
        float(bool(_ATTRIBUTION.search(sentence))),
        float(sentence.rstrip().endswith("?")),
        float(bool(_OPINION.search(sentence))),
        float(bool(_FUTURE.search(sentence))),
        float(bool(_GREETING.search(sentence))),
        min(60, n) / 60,
        float(n < 6),
    ]


def reasons(values: list[float]) -> list[str]:
    """The features that fired, as codes the page and the API show beside a score."""
    return [name for name, v in zip(HAND_FEATURES, values)
            if v > 0 and name not in ("words", "short")]
