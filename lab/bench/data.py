"""Where benchmark data lives: ../shared/data beside the repository by
default, or RECOUPE_BENCH_DATA / a --data flag."""

from __future__ import annotations

import json
import os
from pathlib import Path

from service.config import REPO_ROOT
from service.errors import InvalidInput


def bench_data_dir(given: str | None = None) -> Path:
    path = Path(given or os.environ.get("RECOUPE_BENCH_DATA") or REPO_ROOT.parent / "shared" / "data")
    if not path.is_dir():
        raise InvalidInput(f"benchmark data folder {path} not found: pass --data PATH or set RECOUPE_BENCH_DATA")
    return path


def scifact_corpus(data_dir: Path) -> list[dict]:
    path = data_dir / "scifact" / "corpus.jsonl"
    if not path.is_file():
        raise InvalidInput(f"{path} not found: the SciFact corpus is expected there")
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def scifact_claims(data_dir: Path, split: str = "dev") -> list[dict]:
    with open(data_dir / "scifact" / f"claims_{split}.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
