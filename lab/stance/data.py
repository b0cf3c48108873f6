"""Training and held-out data for the stance model.

Every source is third-party and is read in place from the training-data folder
(never copied into the repository): by default `../shared/data` next to the
repository, or the folder in RECOUPE_TRAIN_DATA, or an explicit argument.

A pair is (premise, hypothesis, label): the premise is the evidence passage,
the hypothesis the claim. Labels: 0 entailment (supports), 1 neutral
(unrelated / not enough information), 2 contradiction (refutes).

Held-out parts are fixed and documented here; nothing held out is ever
trained on, nor used to generate synthetic pairs:

| source | held out | how |
|---|---|---|
| SNLI | `test.jsonl` (9,824 pairs) | the official test set; `train_100k` premises with sha1 % 100 == 0 are a small validation slice |
| XNLI-fr dev | 330 of 830 premises = 990 of 2,490 pairs | premises sorted by sha1 of the English premise, first 330: no premise is shared with training |
| RTE3-FR dev | premises sorted by sha1, first ones until >= 300 pairs | by premise |
| FEVER dev | claims with sha1(claim) % 10 == 0 | by claim |
| COVID-Fact | sources with sha1(gold_source) % 10 == 0 | by source article: a claim and its refuted variants stay together |
| Climate-FEVER | claims with sha1(claim_id) % 10 == 0 | by claim |
| SciFact | `claims_dev.jsonl` (official) | training uses `claims_train.jsonl` only |
| XNLI-MT fr (MNLI train, French beside English) | premises with sha1(English premise) % 20 == 0 (~750 pairs x 4 language combinations) | by premise |
| SICK-fr | SICK's own TEST subset (4,906 pairs x 4 combinations); TRAIN and TRIAL train | official split |
| FraCaS-fr | premises with sha1(premise) % 5 == 0 | by premise (problems share premises) |
| FEVER-fr | hypotheses with sha1 % 10 == 0 | by claim |
| LingNLI | the official `__val_` files (7,371) | official split |
| TaxiNLI | pairs with sha1(pairID) % 10 == 0 | by MNLI pair id |
| ANLI R1-R3 | the official `test` files (3,200); the `dev` files train | official split |
| CAD-SNLI | `dev.tsv` and `test.tsv`; `train.tsv` trains | official split |
| FEVER-Symmetric | `test.jsonl`, evaluation only; FEVER dev pairs that share a claim or an evidence sentence with FEVER-Symmetric dev or test never train (`symmetric_overlap`) | built from FEVER dev |
| HealthVer dev | claims with sha1(lower-cased claim) % 4 == 0 | by claim: all of a claim's evidence together |
| FM2 dev | Wikipedia pages with sha1(page) % 5 == 0: gold pairs (`heldout`) and same-page non-gold sentences (`heldout_neutral`) | by page |
| WiCE dev | claims with sha1(claim id) % 4 == 0: gold pairs and non-gold sentences (`heldout_neutral`) | by claim |
| FNC-1 (competition set) | article bodies with sha1(Body ID) % 10 == 0 | by body |
| mined neutrals | made from training claims and training evidence only (mine.py) | n/a |
"""

from __future__ import annotations

import csv
import os
import random
import re
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

from service.config import REPO_ROOT
from service.errors import InvalidInput, RecoupeError
from service.stance import LABELS
from lab.stance.augment import contradict, names_in
from lab.stance.sources_english import (
    clean_fever, fever_symmetric_texts, read_anli, read_cad_snli, read_fever_symmetric, read_lingnli, read_taxinli,
)
from lab.stance.sources_french import read_fever_fr, read_fracas_fr, read_sick_fr, read_xnli_mt
from lab.stance.sources_topic import read_fm2, read_fnc1, read_healthver, read_wice
from lab.stance.pairs import read_jsonl as _jsonl
from lab.stance.pairs import CON, ENT, LABEL_ID, NEU, Pair, h  # noqa: F401 (re-exported)
from service.stance.pairs import with_context  # noqa: F401 (re-exported)

DATA_ENV = "RECOUPE_TRAIN_DATA"


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """The training-data folder: the argument, else RECOUPE_TRAIN_DATA, else ../shared/data."""
    path = Path(data_dir or os.environ.get(DATA_ENV) or REPO_ROOT.parent / "shared" / "data")
    if not path.is_dir():
        raise RecoupeError(
            f"the stance training data is not in {path}: pass its folder with --data or set {DATA_ENV} "
            "(it holds snli/, xnli_fr/, rte3_fr/, fever/, covidfact/, climate_fever/, scifact/)"
        )
    return path


# ---------------------------------------------------------------- SNLI

def read_snli(data_dir: Path) -> dict[str, list[Pair]]:
    """{"train", "val", "test"}: val is the 1% of train_100k premises with sha1 % 100 == 0."""
    out = {"train": [], "val": [], "test": []}
    for name, path in (("train", "train_100k.jsonl"), ("test", "test.jsonl")):
        for r in _jsonl(data_dir / "snli" / path):
            if r["label"] not in LABEL_ID:
                continue
            p = Pair(r["premise"], r["hypothesis"], LABEL_ID[r["label"]], "snli")
            split = "val" if name == "train" and h(r["premise"]) % 100 == 0 else name
            out[split].append(p)
    return out


# ---------------------------------------------------------------- XNLI-fr

XNLI_HELDOUT_PREMISES = 330


def read_xnli(data_dir: Path) -> dict[str, list[Pair]]:
    """{"train", "heldout"}, each with fr-fr, en-en, en-fr and fr-en pairs.

    dev-fr.tsv and dev-en.tsv are the same 2,490 pairs line by line, three
    hypotheses per premise; held out by premise (see the module docstring).
    """
    d = data_dir / "xnli_fr"
    fr = list(csv.reader(open(d / "dev-fr.tsv", encoding="utf-8"), delimiter="\t", quoting=csv.QUOTE_NONE))
    en = list(csv.reader(open(d / "dev-en.tsv", encoding="utf-8"), delimiter="\t", quoting=csv.QUOTE_NONE))
    js = list(_jsonl(d / "xnli_dev_fr.jsonl"))
    if not (len(fr) == len(en) == len(js)) or any(a[0] != b["premise"] or a[2] != b["label"] for a, b in zip(fr, js)):
        raise RecoupeError(f"{d}: dev-fr.tsv, dev-en.tsv and xnli_dev_fr.jsonl are not line-aligned")
    groups = sorted({i // 3 for i in range(len(fr))}, key=lambda g: h(en[3 * g][0]))
    held = set(groups[:XNLI_HELDOUT_PREMISES])
    out = {"train": [], "heldout": []}
    for i, (f, e) in enumerate(zip(fr, en)):
        if f[0] != fr[3 * (i // 3)][0]:
            raise RecoupeError(f"{d}: expected three hypotheses per premise (line {i + 1})")
        y = LABEL_ID[f[2]]
        split = "heldout" if i // 3 in held else "train"
        out[split] += [
            Pair(f[0], f[1], y, "xnli", "fr-fr"),
            Pair(e[0], e[1], y, "xnli", "en-en"),
            Pair(e[0], f[1], y, "xnli", "en-fr"),
            Pair(f[0], e[1], y, "xnli", "fr-en"),
        ]
    return out


# ---------------------------------------------------------------- RTE3-FR

RTE3_HELDOUT_MIN = 300


def read_rte3_fr(data_dir: Path) -> dict[str, list[Pair]]:
    rows = list(csv.DictReader(open(data_dir / "rte3_fr" / "RTE3-FR-dev-set-3class.tsv", encoding="utf-8"),
                               delimiter="\t", quoting=csv.QUOTE_NONE))
    by_premise = defaultdict(list)
    for r in rows:
        by_premise[r["premise"]].append(Pair(r["premise"], r["hypothesis"], LABEL_ID[r["label_text"]], "rte3", "fr-fr"))
    out = {"train": [], "heldout": []}
    for premise in sorted(by_premise, key=h):
        split = "heldout" if len(out["heldout"]) < RTE3_HELDOUT_MIN else "train"
        out[split] += by_premise[premise]
    return out


# ---------------------------------------------------------------- FEVER

_STOP = set(
    "the a an of in on at to for and or is was are were be been by with from as that this it its his her their "
    "which who has have had not no he she they".split()
)


def _content(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2 and w not in _STOP}


def read_fever(data_dir: Path, neutral_ratio: float = 0.6, seed: int = 0) -> dict[str, list[Pair]]:
    """SUPPORTS -> entailment, REFUTES -> contradiction, and constructed neutrals.

    FEVER holds no NEI pairs with text, so a neutral pair is a claim with the
    gold evidence of another claim that shares its rarest content word (a
    related topic), rejected when that evidence holds more than a third of the
    claim's content words (it might then bear on it).
    """
    rows = list(_jsonl(data_dir / "fever" / "fever_paper_dev_with_evidence_text.jsonl"))
    symmetric = fever_symmetric_texts(data_dir)
    norm = lambda s: re.sub(r"\W+", " ", clean_fever(s).lower()).strip()  # noqa: E731
    out = {"train": [], "heldout": [], "symmetric_overlap": []}
    items = defaultdict(list)
    for r in rows:
        y = {"SUPPORTS": ENT, "REFUTES": CON}[r["fever_label"]]
        split = "heldout" if h(r["claim"]) % 10 == 0 else "train"
        if split == "train" and (norm(r["claim"]) in symmetric or norm(r["evidence"]) in symmetric):
            # FEVER-Symmetric is built from FEVER dev: its claims and evidence never train.
            split = "symmetric_overlap"
        p = Pair(clean_fever(r["evidence"]), clean_fever(r["claim"]), y, "fever")
        out[split].append(p)
        items[split].append(p)
    for split, pairs in items.items():
        if split == "symmetric_overlap":
            continue
        rng = random.Random(seed * 1000 + (split == "heldout"))
        df = Counter(w for p in pairs for w in _content(p.hypothesis))
        by_word = defaultdict(list)
        for k, p in enumerate(pairs):
            for w in _content(p.hypothesis):
                by_word[w].append(k)
        for k, p in enumerate(pairs):
            if rng.random() >= neutral_ratio:
                continue
            words = sorted((w for w in _content(p.hypothesis) if df[w] > 1), key=lambda w: (df[w], w))
            for w in words[:3]:
                cands = [j for j in by_word[w] if pairs[j].premise != p.premise and pairs[j].hypothesis != p.hypothesis]
                if not cands:
                    continue
                other = pairs[rng.choice(cands)].premise
                claim_words = _content(p.hypothesis)
                if len(claim_words & _content(other)) / max(1, len(claim_words)) > 0.34:
                    continue
                out[split].append(Pair(other, p.hypothesis, NEU, "fever"))
                break
    return out


# ---------------------------------------------------------------- COVID-Fact

def read_covidfact(data_dir: Path) -> dict[str, list[Pair]]:
    out = {"train": [], "heldout": []}
    for r in _jsonl(data_dir / "covidfact" / "COVIDFACT_dataset.jsonl"):
        y = {"SUPPORTED": ENT, "REFUTED": CON}[r["label"]]
        split = "heldout" if h(r["gold_source"]) % 10 == 0 else "train"
        out[split].append(Pair(" ".join(s.strip() for s in r["evidence"]), r["claim"].strip(), y, "covidfact"))
    return out


# ---------------------------------------------------------------- Climate-FEVER

def read_climate_fever(data_dir: Path) -> dict[str, list[Pair]]:
    """Per (claim, sentence) labels; half of the premises carry the article title as context."""
    out = {"train": [], "heldout": []}
    for r in _jsonl(data_dir / "climate_fever" / "climate-fever.jsonl"):
        split = "heldout" if h(str(r["claim_id"])) % 10 == 0 else "train"
        for e in r["evidences"]:
            y = {"SUPPORTS": ENT, "REFUTES": CON, "NOT_ENOUGH_INFO": NEU}[e["evidence_label"]]
            context = e["article"] if h(e["evidence_id"]) % 2 == 0 else None
            out[split].append(Pair(with_context(context, e["evidence"].strip()), r["claim"].strip(), y, "climate_fever"))
    return out


# ---------------------------------------------------------------- SciFact

def _scifact_pairs(claims_path: Path, corpus: dict, rng: random.Random) -> list[Pair]:
    pairs = []
    for r in _jsonl(claims_path):
        rationale_ids = defaultdict(set)
        for doc_id, sets in r["evidence"].items():
            doc = corpus.get(int(doc_id))
            if doc is None:
                continue
            for s in sets:
                y = {"SUPPORT": ENT, "CONTRADICT": CON}[s["label"]]
                text = " ".join(doc["abstract"][i] for i in sorted(s["sentences"]))
                pairs.append(Pair(with_context(doc["title"], text), r["claim"], y, "scifact"))
                rationale_ids[int(doc_id)].update(s["sentences"])
        # Neutral: a sentence of a cited abstract that no rationale uses.
        for doc_id in r.get("cited_doc_ids", []):
            doc = corpus.get(int(doc_id))
            if doc is None:
                continue
            free = [i for i in range(len(doc["abstract"])) if i not in rationale_ids[int(doc_id)]]
            if free:
                text = doc["abstract"][rng.choice(free)]
                pairs.append(Pair(with_context(doc["title"], text), r["claim"], NEU, "scifact"))
    return pairs


def read_scifact(data_dir: Path, seed: int = 0) -> dict[str, list[Pair]]:
    d = data_dir / "scifact"
    corpus = {r["doc_id"]: r for r in _jsonl(d / "corpus.jsonl")}
    return {
        "train": _scifact_pairs(d / "claims_train.jsonl", corpus, random.Random(seed)),
        "heldout": _scifact_pairs(d / "claims_dev.jsonl", corpus, random.Random(seed + 1)),
    }


# ---------------------------------------------------------------- all sources

READERS = {
    "snli": read_snli,
    "xnli_mt": read_xnli_mt,
    "sick_fr": read_sick_fr,
    "fracas_fr": read_fracas_fr,
    "fever_fr": read_fever_fr,
    "lingnli": read_lingnli,
    "taxinli": read_taxinli,
    "anli": read_anli,
    "cad_snli": read_cad_snli,
    "fever_symmetric": read_fever_symmetric,
    "healthver": read_healthver,
    "fm2": read_fm2,
    "wice": read_wice,
    "fnc1": read_fnc1,
    "xnli": read_xnli,
    "rte3": read_rte3_fr,
    "fever": read_fever,
    "covidfact": read_covidfact,
    "climate_fever": read_climate_fever,
    "scifact": read_scifact,
}


@lru_cache(maxsize=4)
def load_sources(data_dir: Path) -> dict[str, dict[str, list[Pair]]]:
    data_dir = resolve_data_dir(data_dir)
    return {name: reader(data_dir) for name, reader in READERS.items()}


# ---------------------------------------------------------------- synthetic contradictions

def synthetic_pairs(sources: dict, n: int, rng: random.Random) -> list[Pair]:
    """n synthetic pairs from TRAINING splits only, about 3 contradictions to 1 entailment.

    Two shapes, both aimed at the claim-vs-evidence setting:
    - an entailed hypothesis, edited: (P, H) entailment -> (P, edit(H)) contradiction;
    - a premise against its own edited copy: (P, edit(P)) contradiction, and
      against itself or its translation (XNLI's aligned English): entailment,
      so that near-copies are not all read as contradictions.
    The edits (negation, numbers, dates and weekdays, actor swaps) are in
    `augment.py`. French, English and cross-lingual pairs come from XNLI and
    RTE3-FR (their French and English sides), English ones from the others.
    """
    train = {name: s["train"] for name, s in sources.items()}
    name_pool = sorted({m.group(1) for p in train["fever"] for m in names_in(p.hypothesis) if " " in m.group(1)})
    ent_hyp = {  # (premise, entailed hypothesis) by origin
        "xnli": [p for p in train["xnli"] if p.label == ENT],
        "rte3": [p for p in train["rte3"] if p.label == ENT],
        "fever": [p for p in train["fever"] if p.label == ENT],
        "covidfact": [p for p in train["covidfact"] if p.label == ENT],
        "climate_fever": [p for p in train["climate_fever"] if p.label == ENT],
        "snli": [p for p in train["snli"] if p.label == ENT],
    }
    # Premise translations from XNLI (French premise <-> English premise), one per premise.
    xnli_prem = sorted({(p.premise, q.premise) for p, q in zip(train["xnli"][0::4], train["xnli"][1::4])})
    rte3_prem = sorted({p.premise for p in train["rte3"] if len(p.premise) < 300})
    # Premise-copy pairs use sentences of claim length: a long copy costs tokens and teaches little more.
    fever_prem = sorted({p.premise for p in train["fever"] if len(p.premise) < 220})
    # Shares of the synthetic budget: French and cross-lingual first.
    recipes = [
        ("hyp", "xnli", 0.22), ("hyp", "rte3", 0.08), ("hyp", "fever", 0.12), ("hyp", "covidfact", 0.04),
        ("hyp", "climate_fever", 0.04), ("hyp", "snli", 0.10),
        ("prem", "xnli", 0.25), ("prem", "rte3", 0.07), ("prem", "fever", 0.08),
    ]
    # FEVER's claims are mutations of one another: an edit of a training claim can
    # reproduce a held-out claim word for word. Such edits are dropped.
    held_text = {p.hypothesis for s in sources.values() for k, ps in s.items() if k != "train" for p in ps}
    out: list[Pair] = []
    lang_of = lambda s: s.split("-")[1]  # noqa: E731
    for shape, origin, share in recipes:
        want, tries = int(round(n * share)), 0
        made = []
        while len(made) < want and tries < want * 6:
            tries += 1
            if shape == "hyp":
                p = rng.choice(ent_hyp[origin])
                edit = contradict(p.hypothesis, lang_of(p.lang), rng, name_pool)
                if edit and edit[0] not in held_text:
                    made.append(Pair(p.premise, edit[0], CON, f"synthetic-{edit[1]}", p.lang))
                continue
            # premise vs its edited copy, in one language or across languages
            if origin == "xnli":
                fr, en = rng.choice(xnli_prem)
                lang = rng.choice(["fr-fr", "en-en", "en-fr", "fr-en", "fr-fr", "en-fr"])
                src = {"fr": fr, "en": en}
                prem, hyp_lang = src[lang[:2]], lang[3:]
                base = src[hyp_lang]
            elif origin == "rte3":
                prem = base = rng.choice(rte3_prem)
                lang, hyp_lang = "fr-fr", "fr"
            else:
                prem = base = rng.choice(fever_prem)
                lang, hyp_lang = "en-en", "en"
            if rng.random() < 0.35:
                # entailment twin: the sentence itself, or its translation
                if prem != base or rng.random() < 0.3:
                    made.append(Pair(prem, base, ENT, "synthetic-copy", lang))
                continue
            edit = contradict(base, hyp_lang, rng, name_pool)
            if edit and edit[0] not in held_text:
                made.append(Pair(prem, edit[0], CON, f"synthetic-{edit[1]}", lang))
        out += made
    return out


# ---------------------------------------------------------------- the mix

# Pairs per epoch and source (the second recipe). French and cross-lingual
# first (XNLI, XNLI-MT, SICK-fr, FraCaS-fr, FEVER-fr, RTE3-FR: about 40%),
# then MNLI-style English closer to news than SNLI's captions (LingNLI,
# TaxiNLI, ANLI, CAD-SNLI), then the fact-checking sets with same-topic
# neutrals (FM2, WiCE, HealthVer, FNC-1, Climate-FEVER NEI, SciFact, mined
# pairs); SNLI is a minority, synthetic contradictions about 4%. About 19k
# pairs an epoch (~0.9M tokens): 1-2 hours on 2 cores with bf16 autocast,
# depending on what else the machine runs (measured 137-600 tokens/s). A capped
# source is read as a rotating slice, so successive epochs see different
# pairs. Synthetic pairs are regenerated each epoch.
MIX = {
    "snli": 1_000,
    "xnli_mt": 2_000,     # of ~56,000 (14,000 pairs x 4 language combinations)
    "sick_fr": 1_400,     # of 19,570
    "fracas_fr": 223,     # all
    "fever_fr": 900,      # of 1,761
    "lingnli": 1_000,
    "taxinli": 500,
    "anli": 500,          # long premises
    "cad_snli": 700,
    "fever_symmetric": 0,  # evaluation only
    "healthver": 1_575,   # all (1,375 after the held-out part): long premises, 43% neutral
    "fm2": 1_200,         # gold pairs and same-page neutrals
    "wice": 700,
    "fnc1": 800,
    "xnli": 2_400,        # of 6,000 (1,500 training pairs x 4 language combinations)
    "rte3": 500,          # all
    "fever": 800,
    "covidfact": 200,
    "climate_fever": 800,
    "scifact": 600,
    "mined": 700,
    "synthetic": 700,
}


# A French-heavier variant of MIX for a run warm from the second model: four times the machine-translated
# MNLI (XNLI-MT; the XNLI-fr figure trails the other held-out sets) and all of SICK-fr's training part
# in rotation, the rest unchanged. About 25k pairs an epoch.
MIX_FRENCH = {**MIX, "xnli_mt": 8_000, "sick_fr": 2_000}
# MIX_FRENCH raised the share of same-topic neutrals read as refutes (FM2 dev, 1.0% -> 2.1%): XNLI-MT is a
# third contradictions. This variant also draws more of the same-topic neutral pools (FM2, WiCE, mined),
# the case the product meets on every request. About 27.4k pairs an epoch: the mix of the third shipped model.
MIX_FRENCH_TOPIC = {**MIX_FRENCH, "fm2": 2_000, "wice": 1_200, "mined": 1_200}
# The long run's mix (stance v3): every source whole, weighted per epoch instead of cut. A float is the
# share of the source's training pool drawn each epoch (a rotating window, so that over the run's epochs
# every pair is seen); an int is a count (synthetic pairs are made anew each epoch). French and
# cross-lingual first (XNLI-MT and the XNLI dev training part carry the XNLI-fr target), then the
# MNLI-style English closest to news (LingNLI, TaxiNLI, ANLI, CAD-SNLI), then the fact-checking and
# same-topic sets (FEVER, COVID-Fact, Climate-FEVER, SciFact, HealthVer, FM2, WiCE, FNC-1, mined
# neutrals); SNLI is a minority. About 108k pairs an epoch (about 35% with a French side); four epochs
# are about 430k pair-passes, eight hours of fp32 training on 2 cores without native bf16.
MIX_V3 = {
    "snli": 0.06,          # 5,900 of 98,894
    "xnli_mt": 0.6,        # 34,300 of 57,184 (14,296 pairs x 4 language combinations)
    "sick_fr": 0.4,        # 7,800 of 19,568
    "fracas_fr": 1.0,      # all 226
    "fever_fr": 1.0,       # all 1,761
    "lingnli": 0.35,       # 15,700 of 44,983
    "taxinli": 0.5,        # 4,500 of 9,084
    "anli": 1.0,           # all 3,200 (the dev files; long premises)
    "cad_snli": 0.4,       # 3,300 of 8,330
    "fever_symmetric": 0,  # evaluation only
    "healthver": 1.0,      # all 1,375
    "fm2": 0.4,            # 3,800 of 9,496 (mostly same-page neutrals)
    "wice": 0.4,           # 2,200 of 5,498
    "fnc1": 0.35,          # 3,000 of 8,539 (long bodies)
    "xnli": 1.0,           # all 6,000 (1,500 training pairs x 4 language combinations)
    "rte3": 1.0,           # all 500
    "fever": 0.6,          # 3,700 of 6,198
    "covidfact": 0.4,      # 1,450 of 3,634
    "climate_fever": 0.4,  # 2,800 of 6,970
    "scifact": 1.0,        # all 1,876
    "mined": 0.5,
    "synthetic": 2_500,
}
# A handful of pairs of every source and no mined neutrals (they are built on demand, never by set-up):
# the tests and CI run real optimiser steps of the one loop on it in seconds. Never a model to ship.
MIX_SMOKE = {**{name: 8 for name in MIX}, "mined": 0}
MIXES = {"v2": MIX, "french": MIX_FRENCH, "french_topic": MIX_FRENCH_TOPIC, "v3": MIX_V3, "smoke": MIX_SMOKE}


def draw_size(size: int | float, pool: int) -> int:
    """Pairs drawn from a pool of `pool` pairs: a count as it is, a share of the pool rounded."""
    return int(round(size * pool)) if isinstance(size, float) else int(size)


def _slice(pairs: list[Pair], n: int, epoch: int) -> list[Pair]:
    """The epoch-th window of n pairs of a fixed hash order, wrapping around."""
    if n >= len(pairs):
        return list(pairs)
    ordered = sorted(pairs, key=lambda p: h(p.premise + "\t" + p.hypothesis + "\t" + str(p.label)))
    start = (epoch * n) % len(ordered)
    return (ordered + ordered)[start:start + n]


def mined_neutrals(data_dir: Path) -> list[Pair]:
    """The retrieval-mined same-topic neutrals (mine.py), read from their cache."""
    from lab.stance.mine import read_cache

    return read_cache(load_sources(Path(data_dir)))


def epoch_pairs(data_dir: Path, epoch: int, seed: int, mix: str = "v2") -> list[Pair]:
    """The training pairs of one epoch of MIXES[mix], in a fixed order (the trainer shuffles them)."""
    if mix not in MIXES:
        raise InvalidInput(f"unknown training mix {mix!r}: use one of {', '.join(MIXES)}")
    sizes = MIXES[mix]
    src = load_sources(Path(data_dir))
    rng = random.Random(seed * 7919 + epoch)
    out: list[Pair] = []
    for name in READERS:
        pool = src[name]["train"]
        out += _slice(pool, draw_size(sizes[name], len(pool)), epoch)
    if sizes["mined"]:  # read only when drawn: the cache is built on demand (`recoupe models mine-neutrals`)
        mined = mined_neutrals(Path(data_dir))
        out += _slice(mined, draw_size(sizes["mined"], len(mined)), epoch)
    out += synthetic_pairs(src, sizes["synthetic"], rng)
    return out


def validation_pairs(data_dir: Path) -> dict[str, list[Pair]]:
    """The small fixed set logged during training (and the calibration's fit set):
    200 SNLI (validation slice), 300 XNLI-fr and 200 cross-lingual XNLI
    held-out, 200 SICK-fr TEST, 200 same-topic neutrals (FM2 and WiCE held-out
    non-gold sentences) and 150 HealthVer held-out (long premises). Subsets of
    held-out parts: watched, never trained on."""
    src = load_sources(Path(data_dir))
    pick = lambda pairs, n: sorted(pairs, key=lambda p: h(p.premise + "\t" + p.hypothesis))[:n]  # noqa: E731
    held = src["xnli"]["heldout"]
    return {
        "snli": pick(src["snli"]["val"], 200),
        "xnli_fr": pick([p for p in held if p.lang == "fr-fr"], 300),
        "xnli_cross": pick([p for p in held if p.lang in ("en-fr", "fr-en")], 200),
        "sick_fr": pick([p for p in src["sick_fr"]["heldout"] if p.lang == "fr-fr"], 200),
        "topic_neutral": pick(src["fm2"]["heldout_neutral"], 100) + pick(src["wice"]["heldout_neutral"], 100),
        "healthver": pick(src["healthver"]["heldout"], 150),
    }


def curve_pairs(data_dir: Path) -> dict[str, list[Pair]]:
    """Two more held-out slices logged beside validation_pairs for the learning curve (not a calibration
    set): 300 RTE3-FR held-out pairs and 300 FEVER-Symmetric test pairs."""
    src = load_sources(Path(data_dir))
    pick = lambda pairs, n: sorted(pairs, key=lambda p: h(p.premise + "\t" + p.hypothesis))[:n]  # noqa: E731
    return {"rte3": pick(src["rte3"]["heldout"], 300), "fever_symmetric": pick(src["fever_symmetric"]["heldout"], 300)}


def describe(pairs: list[Pair]) -> dict:
    by = Counter(p.source if not p.source.startswith("synthetic") else "synthetic" for p in pairs)
    return {
        "pairs": len(pairs),
        "by_source": dict(sorted(by.items())),
        "by_label": {LABELS[k]: v for k, v in sorted(Counter(p.label for p in pairs).items())},
        "by_lang": dict(sorted(Counter(p.lang for p in pairs).items())),
    }
