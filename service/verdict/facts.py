"""What the rules, the wording check and the features read of a claim and of a
passage, computed once: a claim's facts once per claim, a passage's once per
passage, then handed down (rules.py, wording.py, subjects.py, features.py)
instead of each step re-reading the text.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.retrieve.text import fold, words
from service.verdict.quantities import Facts as Values
from service.verdict.quantities import extract
from service.verdict.rules import negated
from service.verdict.subjects import WORDS, claim_names, subject_words
from service.verdict.wording import content_words, numbers_at


@dataclass(frozen=True)
class ClaimFacts:
    text: str
    language: str
    names: frozenset[str]  # whom it is about (subjects.claim_names), folded
    words: tuple[str, ...]  # its content words, stemmed in its language (retrieve/text.py)
    content: frozenset[str]  # the same without negations and numbers (wording.py)
    numbers: frozenset[str]  # its numbers, without separators
    number_spans: tuple[tuple[str, int, int], ...]  # each number with where it is written
    values: Values  # its quantities, dates and weekdays (quantities.py)
    negated: bool

    @classmethod
    def of(cls, text: str, language: str) -> "ClaimFacts":
        spans = numbers_at(text)
        return cls(text, language, frozenset(claim_names(text)), tuple(words(text, language)),
                   frozenset(content_words(text, language)), frozenset(n for n, _, _ in spans), spans,
                   extract(text), negated(text))


@dataclass(frozen=True)
class PassageFacts:
    text: str
    language: str
    context: str  # what says whom a passage naming nobody is about: its article's title, the previous sentence
    words: tuple[str, ...]  # content words, stemmed in its language
    tokens: frozenset[str]  # every word, folded, unstemmed: where a claim's names are looked for
    context_tokens: frozenset[str]
    names: frozenset[str]  # the names it carries (subjects.subject_words)
    numbers: frozenset[str]
    number_spans: tuple[tuple[str, int, int], ...]
    values: Values
    negated: bool

    @classmethod
    def of(cls, text: str, language: str, context: str = "") -> "PassageFacts":
        spans = numbers_at(text)
        return cls(text, language, context, tuple(words(text, language)), _tokens(text), _tokens(context),
                   frozenset(subject_words(text)), frozenset(n for n, _, _ in spans), spans, extract(text),
                   negated(text))


def _tokens(text: str) -> frozenset[str]:
    return frozenset(fold(w) for w in WORDS.findall(text))
