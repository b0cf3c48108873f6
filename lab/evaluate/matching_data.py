"""The claim-matching sets, read in place from the shared data folder (never copied here).

- CheckThat! 2020 task 2 (`claim_matching/`): 10,375 verified claims (Snopes; a claim is its
  text and its article's title), and train / dev / test tweets, each with one relevant claim.
  Train fits the "same claim" model, dev chooses its threshold, test is measured only.
- STS-B (`stsb_multi_mt/`), French and English line-aligned: pairs in four directions (fr-fr,
  en-en, fr-en, en-fr); a pair is the same claim when its score is at least `SAME_SCORE`,
  a near-duplicate at `DUPLICATE_SCORE`. Train fits, dev chooses thresholds, test is never read.
- The cross-lingual set: French claims whose English original is the fact-check to find,
  from XNLI-MT's line-aligned MNLI hypotheses (French machine translation / English original).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

TRAIN_TWEETS = 400  # task 2 train tweets used to fit (the first ones: embedding all 800 is slow here)
SAME_SCORE = 4.0  # STS-B: "the two sentences are mostly equivalent"
DUPLICATE_SCORE = 4.6  # STS-B: equivalent, wording aside


@dataclass(frozen=True)
class VerifiedClaim:
    id: str
    claim: str
    title: str

    @property
    def text(self) -> str:
        return f"{self.claim} {self.title}".strip()


@dataclass(frozen=True)
class Query:
    id: str
    text: str
    relevant: frozenset  # verified-claim ids


def _zip_text(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode("utf-8")


def _tsv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter="\t"))


def read_verified_claims(data_dir: Path) -> list[VerifiedClaim]:
    rows = _tsv(_zip_text(data_dir / "claim_matching" / "data__v3.zip", "v3.0/verified_claims.docs.tsv"))
    return [VerifiedClaim(r[0], r[1], r[2] if len(r) > 2 else "") for r in rows[1:] if r]


def read_tweets(data_dir: Path, split: str) -> list[Query]:
    """split: train, dev or test (test: measured only)."""
    folder = data_dir / "claim_matching"
    if split == "test":
        path, prefix = folder / "test-input__test-input.zip", ""
    else:
        path, prefix = folder / "data__v3.zip", f"v3.0/{split}/"
    qrels: dict[str, set] = {}
    for line in _zip_text(path, prefix + "tweet-vclaim-pairs.qrels").splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3] != "0":
            qrels.setdefault(parts[0], set()).add(parts[2])
    rows = _tsv(_zip_text(path, prefix + "tweets.queries.tsv"))
    return [Query(r[0], r[1], frozenset(qrels.get(r[0], ()))) for r in rows[1:] if r and r[0] in qrels]


_SIGNATURE = re.compile(r"\s+[—-]\s+[^—]*\(@\w+\)\s+\w+ \d{1,2}, \d{4}\s*$")
_LINK = re.compile(r"(?:https?://|pic\.twitter\.com/)\S+")


def tweet_words(text: str) -> str:
    """A tweet's own words for the pair features: its signature ("— Name (@handle) January 6, 2020")
    and links out (the vectors are of the tweet as published)."""
    return " ".join(_LINK.sub(" ", _SIGNATURE.sub("", text)).split())


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    direction: str  # fr-fr, en-en, fr-en, en-fr
    score: float


# The first lines of each STS-B split that are read: embedding all of them is slow on two busy cores.
STSB_LINES = {"train": 300, "dev": 500}


def read_stsb(data_dir: Path, split: str) -> list[Pair]:
    """split: train or dev, their first STSB_LINES[split] lines (test is never read here)."""
    if split not in ("train", "dev"):
        raise ValueError("STS-B test is kept for measuring only")
    folder = data_dir / "stsb_multi_mt"
    read = lambda lang: list(csv.reader(open(folder / f"stsb-{lang}-{split}.csv", encoding="utf-8")))  # noqa: E731
    fr, en = read("fr"), read("en")
    fr, en = fr[:STSB_LINES[split]], en[:STSB_LINES[split]]
    out = []
    for f, e in zip(fr, en):
        score = float(e[2])
        out += [Pair(f[0], f[1], "fr-fr", score), Pair(e[0], e[1], "en-en", score),
                Pair(f[0], e[1], "fr-en", score), Pair(e[0], f[1], "en-fr", score)]
    return out


def read_crosslingual(data_dir: Path, n: int = 500) -> list[tuple[str, str]]:
    """(French claim, its English original): the first `n` distinct MNLI hypotheses of XNLI-MT
    (tokens rejoined: the French file is space-tokenised) of at least five words."""
    folder = data_dir / "xnli_mt_fr"
    # Plain lines split at tabs: quotes in these files are text, not CSV quoting (a CSV reader would
    # join lines at a stray quote and shift one file against the other).
    read = lambda name: [line.rstrip("\n").split("\t")  # noqa: E731
                         for line in open(folder / name, encoding="utf-8")][1:]
    fr, en = read("multinli.train.fr.tsv"), read("multinli.train.en.tsv")
    out, seen = [], set()
    for f, e in zip(fr, en):
        if len(f) < 2 or len(e) < 2:
            continue
        french, english = _detokenise(f[1]), _detokenise(e[1])
        if len(english.split()) < 5 or english.lower() in seen:
            continue
        seen.add(english.lower())
        out.append((french, english))
        if len(out) == n:
            break
    return out


def _detokenise(text: str) -> str:
    for a, b in ((" .", "."), (" ,", ","), ("' ", "'"), (" ?", " ?"), ("( ", "("), (" )", ")")):
        text = text.replace(a, b)
    return " ".join(text.split())
