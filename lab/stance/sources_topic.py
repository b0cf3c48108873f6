"""Same-topic sources: passages on the claim's subject that may or may not decide it.

This is the case the product meets on every request: retrieval brings back
sentences about the claim's subject, most of which neither support nor refute
it. An SNLI-trained model reads them as contradictions. These readers give the
model such passages labelled neutral, beside the deciding ones:

- HealthVer: health claims vs abstract passages (Supports / Refutes / Neutral);
- FM2: the gold evidence of a claim vs the other retrieved sentences of the
  same Wikipedia page (unlabelled, taken as neutral: the noise is measured in
  the model card);
- WiCE: a claim vs the sentences of the cited article; gold sentences of a
  supported claim entail it, the rest are taken as neutral;
- FNC-1: news headline vs article body, the body cut to the sentences nearest
  the headline; agree / disagree / discuss / unrelated.

Splits: data.py's table (all by topic, page, article or body, never by pair).
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

from lab.stance.pairs import read_jsonl as _jsonl
from lab.stance.pairs import CON, ENT, NEU, Pair, h
from service.stance.pairs import with_context


_STOP = set(
    "the a an of in on at to for and or is was are were be been by with from as that this it its his her their "
    "which who has have had not no he she they says said will would can could after over into about more than".split()
)


def content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2 and w not in _STOP}


# ---------------------------------------------------------------- HealthVer

def read_healthver(data_dir: Path) -> dict[str, list[Pair]]:
    """Held out by claim: sha1(claim) % 4 == 0, about a quarter (all of a claim's evidence together)."""
    out = {"train": [], "heldout": []}
    y_of = {"Supports": ENT, "Refutes": CON, "Neutral": NEU}
    with open(data_dir / "healthver" / "healthver_dev.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            y = y_of.get(r["label"].strip())
            if y is None or not r["evidence"].strip() or not r["claim"].strip():
                continue
            split = "heldout" if h(r["claim"].strip().lower()) % 4 == 0 else "train"
            out[split].append(Pair(r["evidence"].strip(), r["claim"].strip(), y, "healthver"))
    return out


# ---------------------------------------------------------------- FM2

def read_fm2(data_dir: Path) -> dict[str, list[Pair]]:
    """{"train", "heldout", "heldout_neutral"}: held out by Wikipedia page (sha1 % 5 == 0).

    "heldout" holds the gold pairs of held-out pages (supports / refutes);
    "heldout_neutral" their same-page non-gold sentences, on which the model
    should rarely say "refutes". Premises carry the page title as context, as
    passages do in the product.
    """
    out = {"train": [], "heldout": [], "heldout_neutral": []}
    for r in _jsonl(data_dir / "fm2" / "dev.jsonl"):
        y = {"SUPPORTS": ENT, "REFUTES": CON}.get(r["label"])
        page, claim = r["wikipedia_page"], r["text"].strip()
        held = h(page) % 5 == 0
        gold = [e["text"].strip() for e in r["gold_evidence"] if e["text"].strip()]
        if y is not None and gold:
            out["heldout" if held else "train"].append(Pair(with_context(page, " ".join(gold)), claim, y, "fm2"))
        gold_set = set(gold)
        for e in r["retrieved_evidence"]:
            text = e["text"].strip()
            if text and text not in gold_set and len(text) > 20:
                out["heldout_neutral" if held else "train"].append(Pair(with_context(page, text), claim, NEU, "fm2"))
    return out


# ---------------------------------------------------------------- WiCE

def read_wice(data_dir: Path) -> dict[str, list[Pair]]:
    """{"train", "heldout", "heldout_neutral"}: held out by claim id (sha1 % 4 == 0).

    A supported claim's gold sentences (oracle_idx) entail it; sentences that
    are not gold for any chunk of the claim are neutral. Partially and not
    supported claims give no gold pair (not supported is not "refuted").
    """
    out = {"train": [], "heldout": [], "heldout_neutral": []}
    by_claim = defaultdict(list)
    for r in _jsonl(data_dir / "wice" / "oracle_chunks_dev.jsonl"):
        by_claim[r["meta"]["id"]].append(r)
    for cid, chunks in by_claim.items():
        held = h(cid) % 4 == 0
        claim = chunks[0]["claim"].strip()
        gold_idx = {i for r in chunks for i in r["meta"].get("oracle_idx", [])}
        seen = set()
        for r in chunks:
            sents = dict(zip(r["meta"]["chunk_idx"], r["evidence"]))
            oracle = [sents[i].strip() for i in r["meta"].get("oracle_idx", []) if i in sents]
            if r["label"] == "supported" and oracle:
                out["heldout" if held else "train"].append(Pair(" ".join(oracle), claim, ENT, "wice"))
            for i, text in sents.items():
                text = text.strip()
                if i in gold_idx or text in seen or len(text) < 30 or text.startswith("(meta data)"):
                    continue
                seen.add(text)
                out["heldout_neutral" if held else "train"].append(Pair(text, claim, NEU, "wice"))
    return out


# ---------------------------------------------------------------- FNC-1

_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")
FNC_SENTENCES = 2


def nearest_sentences(body: str, headline: str, k: int = FNC_SENTENCES) -> str:
    """The k body sentences sharing most content words with the headline, in body order."""
    sents = [s.strip() for s in _SENT.split(re.sub(r"\s+", " ", body)) if len(s.strip()) > 20]
    if not sents:
        return ""
    words = content_words(headline)
    ranked = sorted(range(len(sents)), key=lambda i: (-len(words & content_words(sents[i])), i))[:k]
    return " ".join(sents[i] for i in sorted(ranked))


def read_fnc1(data_dir: Path) -> dict[str, list[Pair]]:
    """Held out by article body (sha1(Body ID) % 10 == 0).

    agree -> entailment, disagree -> contradiction, discuss -> neutral (on the
    topic, takes no side), unrelated -> neutral (an eighth of them). Bodies are cut to the
    FNC_SENTENCES sentences nearest the headline.
    """
    d = data_dir / "fnc1"
    with open(d / "competition_test_bodies.csv", encoding="utf-8") as fh:
        bodies = {r["Body ID"]: r["articleBody"] for r in csv.DictReader(fh)}
    y_of = {"agree": ENT, "disagree": CON, "discuss": NEU, "unrelated": NEU}
    out = {"train": [], "heldout": []}
    with open(d / "competition_test_stances.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            body = bodies.get(r["Body ID"])
            if body is None:
                continue
            if r["Stance"] == "unrelated" and h(r["Headline"] + r["Body ID"]) % 8:
                continue  # 18k unrelated pairs: an eighth is plenty
            prem = nearest_sentences(body, r["Headline"])
            if not prem:
                continue
            split = "heldout" if h(r["Body ID"]) % 10 == 0 else "train"
            out[split].append(Pair(prem, r["Headline"].strip(), y_of[r["Stance"]], f"fnc1-{r['Stance']}"))
    return out
