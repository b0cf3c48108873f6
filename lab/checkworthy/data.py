"""The check-worthiness sets, read in place from the shared data folder (training and measuring
only: the request path never imports this module).

- ClaimBuster (`claimbuster/kfold_30ncs.json`): US debate sentences, 1 = check-worthy factual.
  Held out: sentence_id % 5 == 0 (a fixed fifth), the rest trains.
- CheckThat! 2020 task 1 (`checkthat_cw/task1_*`): COVID-19 tweets; train + dev train, test measured.
- CheckThat! 2020 task 5 (`checkthat_cw/task5_*`): debate and speech transcripts, one sentence a
  line; train transcripts train, the 20 test transcripts are measured (MAP per transcript).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Sentence:
    text: str
    label: int  # 1 check-worthy
    group: str  # the transcript (task 5), "task1" or "claimbuster": what MAP ranks within
    source: str  # claimbuster, task1, task5


def read_claimbuster(data_dir: Path) -> dict[str, list[Sentence]]:
    rows = json.loads((data_dir / "claimbuster" / "kfold_30ncs.json").read_text(encoding="utf-8"))
    out = {"train": [], "heldout": []}
    for r in rows:
        split = "heldout" if int(r["sentence_id"]) % 5 == 0 else "train"
        out[split].append(Sentence(r["text"].strip(), int(r["label"]), "claimbuster", "claimbuster"))
    return out


def _zip_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return z.namelist()


def _zip_text(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode("utf-8")


def read_task1(data_dir: Path) -> dict[str, list[Sentence]]:
    folder = data_dir / "checkthat_cw"
    out = {"train": [], "test": []}
    sources = [("train", folder / "task1__data__v2.zip", n) for n in ("v2/training_v2.tsv", "v2/dev_v2.tsv")]
    sources.append(("test", folder / "task1__test-input__test-input.zip", "test-input/test-gold.tsv"))
    for split, path, name in sources:
        rows = list(csv.DictReader(io.StringIO(_zip_text(path, name)), delimiter="\t"))
        for r in rows:
            label = r.get("check_worthiness", r.get("claim_worthiness"))
            out[split].append(Sentence(" ".join(r["tweet_text"].split()), int(label), "task1", "task1"))
    return out


def read_task5(data_dir: Path) -> dict[str, list[Sentence]]:
    folder = data_dir / "checkthat_cw"
    out = {"train": [], "test": []}
    for split, path in (("train", folder / "task5__data__v2.zip"),
                        ("test", folder / "task5__test-input__test-gold.zip")):
        for name in sorted(n for n in _zip_names(path) if n.endswith(".tsv")):
            for line in _zip_text(path, name).splitlines():
                parts = line.split("\t")
                if len(parts) < 4 or not parts[2].strip():
                    continue
                out[split].append(Sentence(parts[2].strip(), int(parts[3]), name.rsplit("/", 1)[-1], "task5"))
    return out
