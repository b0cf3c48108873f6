"""English NLI sources of the second recipe, closer to news than SNLI's photo captions.

MNLI-style crowd pairs (LingNLI, TaxiNLI), adversarial pairs with long
Wikipedia and news premises (ANLI), minimal counterfactual edits (CAD-SNLI),
and FEVER-Symmetric (evaluation only). Splits: data.py's table.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from lab.stance.pairs import read_jsonl as _jsonl
from lab.stance.pairs import CON, ENT, NEU, Pair, h

_FEVER_TOKENS = {
    "-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}", "-COLON-": ":",
    "``": '"', "''": '"', "--": "\u2013",
}


def clean_fever(text: str) -> str:
    """Undo FEVER's tokenisation: -LRB- -> (, spaces before punctuation, `` '' quotes."""
    for tok, rep in _FEVER_TOKENS.items():
        text = text.replace(tok, rep)
    text = re.sub(r"\s+([.,;:!?%)\]}])", r"\1", text)
    text = re.sub(r"([(\[{$])\s+", r"\1", text)
    text = re.sub(r"\s+('s|'re|'ve|'ll|'d|n't|')(\s|$)", r"\1\2", text)
    text = re.sub(r'"\s+(.*?)\s+"', r'"\1"', text)
    text = re.sub(r"\(\s*\)", "", text)
    return re.sub(r"\s{2,}", " ", text).strip()


_LABEL = {"entailment": ENT, "neutral": NEU, "contradiction": CON, "e": ENT, "n": NEU, "c": CON}


def read_lingnli(data_dir: Path) -> dict[str, list[Pair]]:
    """Train files train; the official validation files are held out."""
    out = {"train": [], "heldout": []}
    for path in sorted((data_dir / "lingnli").glob("*.jsonl")):
        split = "heldout" if "__val_" in path.name else "train"
        for r in _jsonl(path):
            y = _LABEL.get(r.get("label", ""))
            if y is not None and r["premise"].strip() and r["hypothesis"].strip():
                out[split].append(Pair(r["premise"].strip(), r["hypothesis"].strip(), y, "lingnli"))
    return out


def read_taxinli(data_dir: Path) -> dict[str, list[Pair]]:
    """Held out by MNLI pair id (sha1 % 10 == 0)."""
    out = {"train": [], "heldout": []}
    with open(data_dir / "taxinli" / "taxinli10k.tsv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            y = _LABEL.get(r["label"])
            if y is None or not r["prem"].strip() or not r["hyp"].strip():
                continue
            split = "heldout" if h(r["pairID"]) % 10 == 0 else "train"
            out[split].append(Pair(r["prem"].strip(), r["hyp"].strip(), y, "taxinli"))
    return out


def read_anli(data_dir: Path) -> dict[str, list[Pair]]:
    """Rounds 1-3: the dev files train, the test files are held out (ANLI's own rule)."""
    out = {"train": [], "heldout": []}
    for rnd in (1, 2, 3):
        for name, split in (("dev", "train"), ("test", "heldout")):
            for r in _jsonl(data_dir / "anli" / f"R{rnd}_{name}.jsonl"):
                out[split].append(Pair(r["context"].strip(), r["hypothesis"].strip(), _LABEL[r["label"]], "anli"))
    return out


def read_cad_snli(data_dir: Path) -> dict[str, list[Pair]]:
    """train.tsv trains; dev.tsv and test.tsv are held out."""
    out = {"train": [], "heldout": []}
    for name, split in (("train", "train"), ("dev", "heldout"), ("test", "heldout")):
        with open(data_dir / "cad_snli" / f"{name}.tsv", encoding="utf-8") as fh:
            for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                y = _LABEL.get((r.get("gold_label") or "").strip())
                if y is not None:
                    out[split].append(Pair(r["sentence1"].strip(), r["sentence2"].strip(), y, "cad_snli"))
    return out


def read_fever_symmetric(data_dir: Path) -> dict[str, list[Pair]]:
    """Evaluation only (supports vs refutes with the claim-only bias removed): never trained on.

    Its claims and evidence come from FEVER dev, which the recipe trains on, so
    fever_claims_and_evidence() lets the FEVER reader drop every pair that
    shares a claim or an evidence sentence with it.
    """
    out = {"train": [], "heldout": []}
    for name in ("dev", "test"):
        for r in _jsonl(data_dir / "fever_symmetric" / f"{name}.jsonl"):
            y = {"SUPPORTS": ENT, "REFUTES": CON}.get(r.get("gold_label") or r.get("label"))
            if y is not None and name == "test":
                out["heldout"].append(Pair(clean_fever(r["evidence"]), clean_fever(r["claim"]), y, "fever_symmetric"))
    return out


def fever_symmetric_texts(data_dir: Path) -> set[str]:
    """Normalised claims and evidence of FEVER-Symmetric dev and test (for leakage checks)."""
    norm = lambda s: re.sub(r"\W+", " ", clean_fever(s).lower()).strip()  # noqa: E731
    out = set()
    for name in ("dev", "test"):
        path = data_dir / "fever_symmetric" / f"{name}.jsonl"
        if path.is_file():
            for r in _jsonl(path):
                out.add(norm(r["claim"]))
                out.add(norm(r["evidence"]))
    return out
