"""French and cross-lingual NLI sources of the second recipe.

Each reader returns {"train": [...], "heldout": [...]} of `Pair`s; how each
split is fixed is in data.py's table. Translated sets come line-aligned with
their English originals, so one labelled pair gives up to four language
combinations: fr-fr, en-en, en-fr (English evidence, French claim: the
product's cross-lingual case) and fr-en.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from lab.stance.pairs import CON, ENT, NEU, Pair, h

# XNLI-MT is tokenised ("L' écrémage ... géographie ."): glue it back.
_ELISION = re.compile(r"\b([LlDdJjMmNnSsTtCc]|[Qq]u|[Jj]usqu|[Ll]orsqu|[Pp]uisqu|[Qq]uoiqu)' +")
_EN_CLITIC = re.compile(r" +('s|'re|'ve|'ll|'d|'m|n't)\b")


def detokenize(text: str, lang: str) -> str:
    text = re.sub(r" +([.,)\]%])", r"\1", text)
    text = re.sub(r"([(\[]) +", r"\1", text)
    if lang == "fr":
        text = _ELISION.sub(lambda m: m.group(1) + "'", text)
    else:
        text = _EN_CLITIC.sub(r"\1", text)
        text = re.sub(r" +([;:!?])", r"\1", text)
        text = re.sub(r" ' ", "'", text)
    return re.sub(r"\s{2,}", " ", text).strip()


def _tsv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8") as fh:
        return list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def four_ways(fr_p: str, fr_h: str, en_p: str, en_h: str, label: int, source: str) -> list[Pair]:
    return [
        Pair(fr_p, fr_h, label, source, "fr-fr"),
        Pair(en_p, en_h, label, source, "en-en"),
        Pair(en_p, fr_h, label, source, "en-fr"),
        Pair(fr_p, en_h, label, source, "fr-en"),
    ]


# ---------------------------------------------------------------- XNLI-MT (MNLI train in French)

_MNLI_LABEL = {"entailment": ENT, "neutral": NEU, "contradictory": CON, "contradiction": CON}


def read_xnli_mt(data_dir: Path) -> dict[str, list[Pair]]:
    """The first 15,001 MNLI training pairs, French beside English; held out by premise."""
    d = data_dir / "xnli_mt_fr"
    fr, en = _tsv(d / "multinli.train.fr.tsv")[1:], _tsv(d / "multinli.train.en.tsv")[1:]
    if len(fr) != len(en):
        raise ValueError(f"{d}: the French and English files are not line-aligned ({len(fr)} vs {len(en)})")
    out = {"train": [], "heldout": []}
    for f, e in zip(fr, en):
        if len(f) < 3 or len(e) < 3 or f[2] not in _MNLI_LABEL:
            continue
        en_p = detokenize(e[0], "en")
        split = "heldout" if h(en_p) % 20 == 0 else "train"
        out[split] += four_ways(detokenize(f[0], "fr"), detokenize(f[1], "fr"), en_p,
                                detokenize(e[1], "en"), _MNLI_LABEL[f[2]], "xnli_mt")
    # A premise can come back in another pair (or untranslated): held out means held out everywhere.
    held = {p.premise for p in out["heldout"]}
    out["train"] = [p for p in out["train"] if p.premise not in held]
    return out


# ---------------------------------------------------------------- SICK-fr

_SICK_LABEL = {"ENTAILMENT": ENT, "NEUTRAL": NEU, "CONTRADICTION": CON}


def read_sick_fr(data_dir: Path) -> dict[str, list[Pair]]:
    """SICK's own split: TRAIN and TRIAL train, TEST is held out (all four language combinations).

    SICK repeats some sentence pairs across its subsets: a training pair whose
    text is also a TEST pair is dropped."""
    out = {"train": [], "heldout": []}
    with open(data_dir / "sick_fr" / "sick_fr_en_aligned.tsv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            y = _SICK_LABEL.get(r["label_en"])
            if y is None or not r["premise_fr"].strip() or not r["hypothesis_fr"].strip():
                continue
            split = "heldout" if r["subset"] == "TEST" else "train"
            out[split] += four_ways(r["premise_fr"].strip(), r["hypothesis_fr"].strip(), r["premise_en"].strip(),
                                    r["hypothesis_en"].strip(), y, "sick_fr")
    test = {(p.premise, p.hypothesis) for p in out["heldout"]}
    out["train"] = [p for p in out["train"] if (p.premise, p.hypothesis) not in test]
    return out


# ---------------------------------------------------------------- FraCaS-fr

_FRACAS_LABEL = {"yes": ENT, "unknown": NEU, "no": CON}


def read_fracas_fr(data_dir: Path) -> dict[str, list[Pair]]:
    """Premises p1..p5 joined, the first hypothesis; "undef" dropped; held out by premise (sha1 % 5 == 0:
    problems often share their premises)."""
    out = {"train": [], "heldout": []}
    with open(data_dir / "fracas_fr" / "fracas_fr.tsv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            y = _FRACAS_LABEL.get(r["label"].strip())
            clean = lambda s: s.replace("\\'", "'").strip()  # noqa: E731
            prem = " ".join(clean(r[f"p{i}_nl"]) for i in range(1, 6) if clean(r.get(f"p{i}_nl") or ""))
            hyp = clean(r.get("h1_nl") or "")
            if y is None or not prem or not hyp:
                continue
            split = "heldout" if h(prem) % 5 == 0 else "train"
            out[split].append(Pair(prem, hyp, y, "fracas_fr", "fr-fr"))
    return out


# ---------------------------------------------------------------- FEVER-fr

def read_fever_fr(data_dir: Path) -> dict[str, list[Pair]]:
    """2,000 machine-translated FEVER pairs: "▁" marks become spaces, "(suite)" premises are dropped."""
    out = {"train": [], "heldout": []}
    with open(data_dir / "fever_fr" / "fever_fr_2k.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            prem = re.sub(r"\s{2,}", " ", r["premise"].replace("\u2581", " ")).strip()
            hyp = re.sub(r"\s{2,}", " ", r["hypothesis"].replace("\u2581", " ")).strip()
            if "(suite)" in prem or not prem or not hyp or r["label"] not in ("0", "1", "2"):
                continue
            split = "heldout" if h(hyp) % 10 == 0 else "train"
            out[split].append(Pair(prem, hyp, int(r["label"]), "fever_fr", "fr-fr"))
    return out
