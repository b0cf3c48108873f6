"""Synthetic contradictions: small edits that flip what a sentence asserts.

Fact-checking turns on details that NLI corpora rarely isolate: a negation
("ne publiera pas" / "will post"), a changed number ("188 millions" /
"10 millions"), date or weekday, or two actors swapped. Each function below
takes a sentence and returns an edited copy that contradicts it, or None when
the edit does not apply. They are rule-based and deliberately conservative:
an edit that might leave the meaning unchanged is not made.

Only sentences from the training splits are ever edited (see `data.py`).
"""

from __future__ import annotations

import random
import re

# ---------------------------------------------------------------- negation

_EN_AUX = (
    "is", "are", "was", "were", "will", "can", "could", "should", "would", "has", "have", "had",
    "does", "do", "did", "must", "may", "might",
)
_EN_AUX_RE = re.compile(r"\b(" + "|".join(_EN_AUX) + r")\b(?! not\b| n't\b)", re.IGNORECASE)
_EN_CONTRACTED = {
    "isn't": "is", "aren't": "are", "wasn't": "was", "weren't": "were", "won't": "will", "can't": "can",
    "couldn't": "could", "shouldn't": "should", "wouldn't": "would", "hasn't": "has", "haven't": "have",
    "hadn't": "had", "doesn't": "does", "don't": "do", "didn't": "did", "mustn't": "must",
}
_EN_NEG_RE = re.compile(
    r"\b(" + "|".join(re.escape(k) for k in _EN_CONTRACTED) + r")\b|\b(" + "|".join(_EN_AUX) + r") not\b|\bcannot\b|\bnever\b",
    re.IGNORECASE,
)

_FR_VERBS = {
    "est", "sont", "était", "étaient", "sera", "seront", "serait", "seraient", "fut",
    "a", "ont", "avait", "avaient", "aura", "auront", "aurait", "auraient", "eut",
    "va", "vont", "allait", "allaient", "peut", "peuvent", "pouvait", "pourra", "pourrait",
    "doit", "doivent", "devait", "devra", "fait", "font", "faisait", "fera", "veut", "veulent",
    "voulait", "sait", "savent", "vient", "viennent", "prend", "prennent", "dit", "disent",
    "reste", "restent", "semble", "semblent", "compte", "comptent", "publie", "publient",
    "soutient", "soutiennent", "participe", "participent", "annonce", "annoncent",
}
_FR_FUTURE_RE = re.compile(r"^[a-zàâçéèêëîïôûù]{3,}(?:era|eront|ira|iront|ra|ront)$")
_FR_CLITICS = {"le", "la", "les", "l'", "lui", "leur", "y", "en", "se", "s'", "me", "m'", "te", "t'", "nous", "vous"}
_FR_SUBJECTS = {"il", "elle", "ils", "elles", "on", "qui", "je", "tu", "nous", "vous", "ce", "cela", "ça"}
_FR_NEG_RE = re.compile(r"\b(?:ne |n')((?:\S+ ){0,2}?\S+) (?:pas|plus|jamais)\b( de\b| d')?", re.IGNORECASE)
_VOWEL = tuple("aeiouyhàâéèêëîïôûAEIOUYHÀÂÉÈÊÎÔÛ")


def negate_en(text: str) -> str | None:
    """Remove a negation if there is one, else negate the first auxiliary."""
    m = _EN_NEG_RE.search(text)
    if m:
        word = m.group(0)
        low = word.lower()
        if low in _EN_CONTRACTED:
            rep = _EN_CONTRACTED[low]
        elif low == "cannot":
            rep = "can"
        elif low == "never":
            rep = "always" if not re.search(r"\b(has|have|had) never\b", text, re.I) else "once"
        else:
            rep = word.split()[0]
        rep = rep[0].upper() + rep[1:] if word[0].isupper() else rep
        return text[: m.start()] + rep + text[m.end():]
    for m in _EN_AUX_RE.finditer(text):
        nxt = text[m.end():].split(None, 1)
        # "has 1,200 employees" -> "has not 1,200" reads badly: only before a participle.
        if m.group(1).lower() in ("has", "have", "had") and not (
            nxt and re.match(r"^(been|\w+(ed|en|wn|ne|ght))\b", nxt[0])
        ):
            continue
        return text[: m.end()] + " not" + text[m.end():]
    return None


def negate_fr(text: str) -> str | None:
    """Remove "ne ... pas/plus/jamais" if present, else wrap a finite verb in "ne ... pas"."""
    m = _FR_NEG_RE.search(text)
    if m:
        # "n'a pas de" -> "a des" would need gender and number: leave those alone.
        if m.group(2):
            return None
        return text[: m.start()] + m.group(1) + text[m.end():]
    words = text.split(" ")
    for i in range(1, len(words)):
        w = words[i]
        core = w.rstrip(",;:.!?»\"")
        tail = w[len(core):]
        verb = re.sub(r"^[lmtsnjd]'|^[lmtsnjd]\u2019", "", core.lower())
        is_verb = verb in _FR_VERBS or (
            core.islower() and _FR_FUTURE_RE.match(verb) is not None
            and (words[i - 1].lower() in _FR_SUBJECTS or words[i - 1][:1].isupper())
        )
        if not is_verb:
            continue
        # Clitic pronouns go inside the negation: "il y a" -> "il n'y a pas".
        j = i
        while j > 0 and words[j - 1].lower() in _FR_CLITICS:
            j -= 1
        if j == 0:
            return None
        lead = "n'" if words[j][0] in _VOWEL else "ne "
        new = words[:j] + [lead + words[j]] + words[j + 1:i] + ([core + " pas" + tail] if j < i else [])
        if j == i:
            new[-1] = lead + core + " pas" + tail
        return " ".join(new + words[i + 1:])
    return None


def negate(text: str, lang: str) -> str | None:
    return negate_fr(text) if lang == "fr" else negate_en(text)


# ---------------------------------------------------------------- numbers

_NUM_RE = re.compile(r"(?<![\w.,])(\d{1,3}(?:[ ,.\u202f]\d{3})+|\d+(?:[.,]\d+)?)(?![\w])")
_SCALES = {
    "en": ["thousand", "million", "billion"],
    "fr": ["mille", "millions", "milliards"],
}
_NUMBER_WORDS = {
    "en": ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve", "twenty", "hundred"],
    "fr": ["deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "douze", "vingt", "cent"],
}


def _other_number(tok: str, rng: random.Random) -> str:
    digits = re.sub(r"\D", "", tok)
    if re.fullmatch(r"\d+", tok):
        n = int(tok)
        if 1800 <= n <= 2100:  # a year
            return str(n + rng.choice([-1, 1]) * rng.randint(1, 12))
        if n < 10:
            return str(rng.choice([k for k in range(1, 31) if k != n]))
        choices = [max(1, n // rng.randint(2, 10)), n * rng.randint(2, 9), n + rng.randint(1, max(2, n // 3))]
        return str(rng.choice([c for c in choices if c != n] or [n + 1]))
    if re.fullmatch(r"\d+[.,]\d+", tok) and not re.fullmatch(r"\d{1,3}[,.]\d{3}", tok):
        sep = "," if "," in tok else "."
        whole, frac = re.split(r"[.,]", tok)
        new_whole = str(max(0, int(whole) + rng.choice([-1, 1]) * rng.randint(1, 9)))
        if new_whole == whole:
            new_whole = str(int(whole) + 3)
        return new_whole + sep + frac
    # grouped thousands: keep the grouping character
    sep = re.sub(r"\d", "", tok)[0]
    n = int(digits)
    m = n * rng.randint(2, 9) if rng.random() < 0.5 else max(1000, n // rng.randint(2, 9))
    if m == n:
        m = n * 3
    return f"{m:,}".replace(",", sep)


def change_number(text: str, lang: str, rng: random.Random) -> str | None:
    """Change one number (years move by a few years), a scale word, or a number word."""
    nums = list(_NUM_RE.finditer(text))
    if nums:
        m = rng.choice(nums)
        return text[: m.start()] + _other_number(m.group(0), rng) + text[m.end():]
    for words in (_SCALES[lang], _NUMBER_WORDS[lang]):
        hits = [(m, w) for w in words for m in re.finditer(rf"\b{w}\b", text)]
        if hits:
            m, w = rng.choice(hits)
            other = rng.choice([x for x in words if x != w])
            return text[: m.start()] + other + text[m.end():]
    return None


# ---------------------------------------------------------------- dates

WEEKDAYS = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
}
MONTHS = {
    "en": ["January", "February", "March", "April", "June", "July", "August", "September", "October",
           "November", "December"],  # "May" is also a modal verb
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"],
}


def change_date(text: str, lang: str, rng: random.Random) -> str | None:
    """Change a weekday or a month name (a year is a number: see change_number)."""
    for names in (WEEKDAYS[lang], MONTHS[lang]):
        hits = [(m, n) for n in names for m in re.finditer(rf"\b{n}\b", text, re.IGNORECASE)]
        if hits:
            m, name = rng.choice(hits)
            other = rng.choice([x for x in names if x.lower() != name.lower()])
            if m.group(0)[0].isupper():
                other = other[0].upper() + other[1:]
            return text[: m.start()] + other + text[m.end():]
    return None


# ---------------------------------------------------------------- actors

_NOT_NAMES = {
    "The", "A", "An", "This", "That", "These", "Those", "It", "He", "She", "They", "We", "I", "In", "On", "At",
    "For", "But", "And", "Or", "If", "When", "While", "After", "Before", "As", "According", "Le", "La", "Les",
    "L", "Un", "Une", "Des", "Ce", "Cette", "Ces", "Il", "Elle", "Ils", "Elles", "On", "Nous", "Vous", "Je",
    "Dans", "Sur", "Pour", "Mais", "Et", "Ou", "Si", "Quand", "Après", "Avant", "Selon", "Depuis", "En", "Au",
    "Aux", "Du", "De", "Son", "Sa", "Ses", "His", "Her", "Their", "Its", "There", "Here", "Some", "Many", "Most",
} | set(WEEKDAYS["en"]) | set(MONTHS["en"]) | {"May"}
_NAME_RE = re.compile(r"\b([A-ZÀ-Ý][\w\-]+(?:\s+(?:de |du |van |von |da |di |le |la )?[A-ZÀ-Ý][\w\-]+)*)")
_CONJ_RE = re.compile(r"^\s*(,|and|et|&|or|ou|,\s*(and|et))\s*$", re.IGNORECASE)


def names_in(text: str) -> list[re.Match]:
    return [m for m in _NAME_RE.finditer(text) if m.group(1).split()[0] not in _NOT_NAMES]


def swap_actors(text: str) -> str | None:
    """Swap the first two different names when they are not a mere list ("A and B")."""
    ms = names_in(text)
    for a in range(len(ms)):
        for b in range(a + 1, len(ms)):
            x, y = ms[a], ms[b]
            if x.group(1) == y.group(1):
                continue
            between = text[x.end():y.start()]
            if _CONJ_RE.match(between) or not between.strip():
                return None
            return text[: x.start()] + y.group(1) + between + x.group(1) + text[y.end():]
    return None


def replace_actor(text: str, pool: list[str], rng: random.Random) -> str | None:
    """Replace one multi-word name by another name from the pool ("Katy Perry" -> "Mark Zuckerberg")."""
    ms = [m for m in names_in(text) if " " in m.group(1)]
    if not ms or not pool:
        return None
    m = rng.choice(ms)
    other = rng.choice(pool)
    if other == m.group(1) or other in text:
        return None
    return text[: m.start()] + other + text[m.end():]


# ---------------------------------------------------------------- entry point

def is_negated(text: str, lang: str) -> bool:
    if lang == "fr":
        return bool(re.search(r"\b(ne|n')\b.*\b(pas|plus|jamais|rien|personne|aucun|aucune)\b", text, re.I))
    return bool(re.search(r"n't\b|\b(not|never|no|cannot|nobody|nothing|none)\b", text, re.I))


# Negation applies to almost every sentence, numbers and dates to few: when
# several edits apply, the rarer kinds are preferred so that all are learnt.
KIND_WEIGHTS = {"negation": 1.0, "number": 2.5, "date": 3.0, "swap": 0.6, "replace": 0.4}


def contradict(text: str, lang: str, rng: random.Random, name_pool: list[str] = ()) -> tuple[str, str] | None:
    """An edited copy of `text` that contradicts it, and the kind of edit; None if no edit applies.

    Every edit that applies is computed, then one is drawn (KIND_WEIGHTS).
    """
    if is_negated(text, lang):
        # Under a negation, changing a detail does not contradict ("did not win in 2016"
        # vs "did not win in 2015"): only removing the negation does.
        out = negate(text, lang)
        return (out, "negation") if out and out != text else None
    candidates = []
    for kind, weight in KIND_WEIGHTS.items():
        if kind == "negation":
            out = negate(text, lang)
        elif kind == "number":
            out = change_number(text, lang, rng)
        elif kind == "date":
            out = change_date(text, lang, rng)
        elif kind == "swap":
            out = swap_actors(text)
        else:
            out = replace_actor(text, list(name_pool), rng)
        if out and out != text:
            candidates.append((out, kind, weight))
    if not candidates:
        return None
    out, kind, _ = rng.choices(candidates, weights=[c[2] for c in candidates])[0]
    return out, kind
