"""The shape every stance pair takes, shared by training data, evaluation and serving.

Kept apart from data.py so that the serving path (model.py) imports no
training code.
"""

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


def with_context(context: str | None, passage: str) -> str:
    """The premise format for a passage with a short context (an article title)."""
    if not context:
        return passage
    return f"{context.strip().rstrip('.')}. {passage}"


def read_jsonl(path: Path):
    """The records of a JSON Lines file, blank lines skipped."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)
