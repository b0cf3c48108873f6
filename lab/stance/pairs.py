"""The shape every stance pair of the lab takes (training data, mining, evaluation), kept apart from
data.py so that the small readers need not import the mixes. The premise of a passage with its
title is service/stance/pairs.py's `with_context`, which serving uses too."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from service.stance import LABELS

LABEL_ID = {name: i for i, name in enumerate(LABELS)}
ENT, NEU, CON = 0, 1, 2


@dataclass(frozen=True)
class Pair:
    premise: str
    hypothesis: str
    label: int
    source: str
    # "<premise language>-<hypothesis language>": "fr-fr", "en-en", "en-fr" (English
    # evidence, French claim), "fr-en".
    lang: str = "en-en"


def h(key: str) -> int:
    """A stable hash for held-out assignment (Python's hash() is salted per process)."""
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:12], 16)


def read_jsonl(path: Path):
    """The records of a JSON Lines file, blank lines skipped."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)
