"""Where the served int8 runtime's activation ranges come from (stance/export.py calibration_pairs)."""

from __future__ import annotations

import pytest

from service.config import REPO_ROOT
from lab.stance.export import calibration_pairs
from tests.conftest import need_shared_data


def test_a_clean_install_without_training_data_calibrates_on_the_seed_articles(tmp_path):
    notes = []
    pairs, what = calibration_pairs(tmp_path / "no-training-data", log=notes.append)
    assert what.startswith("seed articles") and "no-training-data" in notes[0]
    assert len(pairs) >= 80
    assert all(isinstance(a, str) and isinstance(b, str) and len(b.split()) >= 4 for a, b in pairs)
    titles = {p.read_text(encoding="utf-8").strip().partition("\n")[0].strip().rstrip(".")
              for p in (REPO_ROOT / "seeds").glob("*.txt")}
    assert all(any(a.startswith(t + ". ") for t in titles) for a, _ in pairs)  # title-led passages, as served


@pytest.mark.slow
def test_the_ranges_are_calibrated_on_training_pairs_only():
    need_shared_data()
    from lab.stance.data import load_sources, resolve_data_dir

    pairs, what = calibration_pairs()
    assert what.startswith("training splits") and len(pairs) >= 500
    src = load_sources(resolve_data_dir(None))
    held = {(p.premise, p.hypothesis) for s in src.values() for split, ps in s.items() if split != "train" for p in ps}
    train = {(p.premise, p.hypothesis) for s in src.values() for p in s.get("train", [])}
    assert all(p in train for p in pairs)
    assert not any(p in held for p in pairs)
