"""The evaluation sets, read in place from the benchmark data folder.

SciFact: the 300 dev claims against the 5,183 abstracts. Document relevance
follows BEIR's SciFact test qrels: a claim's relevant abstracts are its
evidence abstracts plus the abstracts it cites (`cited_doc_ids`), 339 pairs
for 300 claims; the evidence-only variant keeps the 188 claims with evidence
(209 pairs). Sentence relevance: the rationale sentences. Claim label:
SUPPORT or CONTRADICT from the evidence (no dev claim mixes both), NEI
without evidence. The 809 train claims (same relevance rule) are used only
to choose fusion weights, never reported as results.

Climate-FEVER: the 1,535 claims against the closed pool of 5,240 evidence
sentences. A sentence is relevant to a claim when annotated SUPPORTS or
REFUTES for it (claims with none are left out of retrieval figures);
"annotated" (all five sentences of a claim, NOT_ENOUGH_INFO included) is
reported too. Stance and verdict figures use only the claims the stance
model held out (sha1(claim_id) % 10 == 0, see lab/stance/data.py).

XNLI-fr: the stance model's held-out premises of XNLI-fr dev, in four
directions (fr-fr, en-en, en-fr: English premise / French hypothesis, fr-en).

Seeds: the hand-written claims of tests/data/seed_claims.jsonl against the
demo corpus in seeds/.

`limit` builds a small, self-consistent subset for development: the first
claims whose relevant items fit in `limit` corpus items (at most `claims` of
them), then as many SciFact train claims for tuning within half of the room
left, then other items in file order until `limit` is reached. Subset
figures are not comparable with published ones.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from service.config import REPO_ROOT
from service.errors import InvalidInput

SEED_CLAIMS = REPO_ROOT / "tests" / "data" / "seed_claims.jsonl"
SEED_CORPUS = REPO_ROOT / "seeds"


@dataclass
class Doc:
    id: str
    title: str
    sentences: list[str]


@dataclass
class Unit:
    """A retrievable sentence."""

    id: str
    doc: str
    position: int
    text: str
    title: str
    language: str = "en"


@dataclass
class Claim:
    id: str
    text: str
    label: str | None  # the dataset's claim-level label
    language: str = "en"
    relevant_docs: set = field(default_factory=set)  # BEIR document relevance
    evidence_docs: set = field(default_factory=set)  # documents with evidence only
    relevant_units: set = field(default_factory=set)  # evidence sentences
    annotated_units: set = field(default_factory=set)  # every annotated sentence, NEI ones included
    unit_labels: dict = field(default_factory=dict)  # unit id -> pair label, where the data has one
    heldout: bool = True  # not seen by the stance model in training


@dataclass
class RetrievalSet:
    name: str
    docs: list[Doc]  # in corpus order; for a sentence pool, one pseudo-document per sentence
    units: list[Unit]  # sentences, grouped by document in the order of `docs`
    claims: list[Claim]
    tune_claims: list[Claim] = field(default_factory=list)  # for choosing fusion weights only
    subset: dict | None = None  # {"limit": n, ...} when this is a development subset
    doc_level: bool = True
    language: str = "en"  # of its sentences and claims: the lexical retriever's words and stemming


def _jsonl(path: Path):
    if not path.is_file():
        raise InvalidInput(f"{path} not found: the benchmark data folder is incomplete")
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


# ---------------------------------------------------------------- SciFact

SCIFACT_LABEL = {"SUPPORT": "SUPPORT", "CONTRADICT": "CONTRADICT"}


def _scifact_claim(r: dict) -> Claim:
    evidence = {str(d): sets for d, sets in r["evidence"].items()}
    labels = {s["label"] for sets in evidence.values() for s in sets}
    label = "NEI" if not labels else ("SUPPORT" if labels == {"SUPPORT"} else
                                      "CONTRADICT" if labels == {"CONTRADICT"} else "MIXED")
    units = {f"{d}:{i}" for d, sets in evidence.items() for s in sets for i in s["sentences"]}
    unit_labels = {f"{d}:{i}": s["label"] for d, sets in evidence.items() for s in sets for i in s["sentences"]}
    return Claim(str(r["id"]), r["claim"], label, "en",
                 relevant_docs=set(evidence) | {str(d) for d in r.get("cited_doc_ids", [])},
                 evidence_docs=set(evidence), relevant_units=units, annotated_units=set(units),
                 unit_labels=unit_labels)


def load_scifact(data_dir: Path, limit: int | None = None, claims: int | None = None) -> RetrievalSet:
    d = Path(data_dir) / "scifact"
    docs = [Doc(str(r["doc_id"]), r["title"].strip(), [s.strip() for s in r["abstract"]])
            for r in _jsonl(d / "corpus.jsonl")]
    dev = [_scifact_claim(r) for r in _jsonl(d / "claims_dev.jsonl")]
    train = [_scifact_claim(r) for r in _jsonl(d / "claims_train.jsonl")]
    subset = None
    if limit is not None or claims is not None:
        docs, dev, train, subset = _subset(docs, dev, train, limit, claims, lambda c: c.relevant_docs)
    units = [Unit(f"{doc.id}:{i}", doc.id, i, s, doc.title) for doc in docs for i, s in enumerate(doc.sentences)]
    return RetrievalSet("scifact", docs, units, dev, train, subset)


def _subset(docs, claims, tune, limit, n_claims, needs):
    """The first claims whose needed items fit in `limit`, then as many tuning claims (with room left),
    then filler items in corpus order."""
    limit = len(docs) if limit is None else limit
    if limit < 1:
        raise InvalidInput("--limit must be at least 1")
    by_id = {d.id: d for d in docs}
    chosen: dict[str, None] = {}

    def take(pool, budget):
        kept = []
        for c in pool:
            if n_claims is not None and len(kept) >= n_claims:
                break
            need = [i for i in sorted(needs(c)) if i in by_id and i not in chosen]
            if not needs(c) or len(chosen) + len(need) > budget:
                continue
            chosen.update(dict.fromkeys(need))
            kept.append(c)
        return kept

    kept = take(claims, limit)
    # Tuning claims get at most half of what is left, so that distractors remain.
    take(tune, len(chosen) + (limit - len(chosen)) // 2)
    for d in docs:
        if len(chosen) >= limit:
            break
        chosen.setdefault(d.id)
    keep_docs = [d for d in docs if d.id in chosen]
    tune_kept = [c for c in tune if needs(c) and set(needs(c)) <= set(chosen)]
    return keep_docs, kept, tune_kept, {"limit": limit, "claims": len(kept), "tuning_claims": len(tune_kept),
                                        "corpus_items": len(keep_docs)}


# ---------------------------------------------------------------- Climate-FEVER

def load_climate_fever(data_dir: Path, limit: int | None = None, claims: int | None = None) -> RetrievalSet:
    from lab.stance.data import h

    d = Path(data_dir) / "climate_fever"
    pool = list(_jsonl(d / "derived_corpus.jsonl"))
    docs = [Doc(r["_id"], r.get("title", "").strip(), [r["text"].strip()]) for r in pool]
    qrels: dict[str, dict[str, str]] = {}
    path = d / "derived_qrels.tsv"
    if not path.is_file():
        raise InvalidInput(f"{path} not found: the benchmark data folder is incomplete")
    with open(path, encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = row["evidence_label"]
    out = []
    for r in _jsonl(d / "climate-fever.jsonl"):
        cid = str(r["claim_id"])
        labels = qrels.get(cid, {})
        relevant = {u for u, lab in labels.items() if lab in ("SUPPORTS", "REFUTES")}
        out.append(Claim(cid, r["claim"].strip(), r["claim_label"], "en", relevant_docs=set(relevant),
                         evidence_docs=set(relevant), relevant_units=set(relevant), annotated_units=set(labels),
                         unit_labels=dict(labels), heldout=h(cid) % 10 == 0))
    subset = None
    if limit is not None or claims is not None:
        docs, out, _, subset = _subset(docs, out, [], limit, claims, lambda c: c.annotated_units)
    # Each pool sentence is its own unit; the "document" is the sentence itself.
    units = [Unit(doc.id, doc.id, 0, doc.sentences[0], doc.title) for doc in docs]
    return RetrievalSet("climate-fever", docs, units, out, [], subset, doc_level=False)


# ---------------------------------------------------------------- XNLI-fr

XNLI_DIRECTIONS = ("fr-fr", "en-en", "en-fr", "fr-en")


def load_xnli_heldout(data_dir: Path, limit: int | None = None) -> list:
    """The stance model's held-out XNLI-fr pairs; `limit`: at most that many pairs per direction."""
    from lab.stance.data import read_xnli

    pairs = read_xnli(Path(data_dir))["heldout"]
    if limit is None:
        return pairs
    out, seen = [], dict.fromkeys(XNLI_DIRECTIONS, 0)
    for p in pairs:
        if seen.get(p.lang, 0) < limit:
            seen[p.lang] = seen.get(p.lang, 0) + 1
            out.append(p)
    return out


# ---------------------------------------------------------------- seeds

def load_seed_claims(path: Path = SEED_CLAIMS, limit: int | None = None) -> list[dict]:
    rows = list(_jsonl(Path(path)))
    return rows[:limit] if limit is not None else rows
