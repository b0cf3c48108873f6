"""`recoupe models train-verdict`'s data and thresholds, without the stance model: French claims from
FEVER-fr in a closed evidence pool, and abstention thresholds chosen only on claims the stance model
never trained on, a third of which are kept to measure them."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from service.config import Config
from lab.stance.sources_french import read_fever_fr
from service.verdict.assess import inputs
from service.verdict.facts import ClaimFacts, PassageFacts
from service.verdict.features import with_gaps
from service.verdict.model import VerdictModel
from service.verdict.types import Stance
from lab.verdict.train import MEASURE_EVERY, abstention_thresholds, part
from lab.verdict.train_data import Case, fever_fr_claims
from service.verify import Weighed
from tests.conftest import SHARED_DATA, need_shared_data


@pytest.fixture(scope="module")
def model():
    return VerdictModel.load(Config().models_dir)


# ---------------------------------------------------------------- French claims


@pytest.fixture(scope="module")
def french():
    need_shared_data("fever_fr", "fever_fr_2k.csv")
    return fever_fr_claims(SHARED_DATA, max_claims=600)


def test_french_claims_come_with_a_french_closed_pool_and_claim_level_labels(french):
    assert french.language == "fr" and not french.doc_level
    assert {c.language for c in french.claims} == {"fr"} and {u.language for u in french.units} == {"fr"}
    assert 400 <= len(french.claims) <= 600
    labels = Counter(c.label for c in french.claims)
    assert set(labels) == {"supported", "refuted", "not_enough_evidence"} and min(labels.values()) >= 50, labels
    pool = {u.id for u in french.units}
    for c in french.claims:
        assert c.relevant_units <= pool
        assert bool(c.relevant_units) == (c.label != "not_enough_evidence"), c  # evidence exactly where it decides
    assert not any("\u2581" in u.text for u in french.units)  # the translation's token marks cleaned away
    assert len({c.text for c in french.claims}) == len(french.claims)  # one case per claim


def test_french_claims_marked_unseen_are_never_in_the_stance_models_training_pairs(french):
    split = read_fever_fr(SHARED_DATA)
    trained = {p.hypothesis for p in split["train"]}
    held = {p.hypothesis for p in split["heldout"]}
    unseen = [c for c in french.claims if c.heldout]
    assert len(unseen) >= 100
    assert not any(c.text in trained for c in unseen)
    assert all(c.text in trained for c in french.claims if not c.heldout)
    # every unseen claim is kept, whatever the sample, but one the pairs give both sides
    one_side = {t for t in held if len({p.label for p in split["heldout"] if p.hypothesis == t} - {1}) <= 1}
    assert {c.text for c in unseen} == one_side


# ---------------------------------------------------------------- thresholds on unseen claims


def _case(i: int, label: str, seen: bool, model) -> Case:
    """A real claim with one passage in its own words (the wording rule supports it), as the Verifier weighs it."""
    claim = f"Le groupe {i} a vendu {100 + i} albums en France en {1990 + i % 30}."
    passage = f"Selon la maison de disques, le groupe {i} a vendu {100 + i} albums en France en {1990 + i % 30}."
    reading = {Stance.SUPPORTS: 0.5, Stance.NEUTRAL: 0.3, Stance.REFUTES: 0.2}
    x, found = inputs(ClaimFacts.of(claim, "fr"), PassageFacts.of(passage, "fr"), reading, 0.93)
    weighed = Weighed(claim, "fr", [[None]], with_gaps(np.vstack([x])), [found], [reading])
    return Case("test", str(i), label, weighed, np.array([True]), "fr", seen)


def test_a_third_of_the_unseen_claims_measures_and_never_chooses(model):
    cases = [_case(i, "supported", False, model) for i in range(300)]
    parts = Counter(part(c) for c in cases)
    assert parts["stance_seen"] == 0
    assert abs(parts["measure"] / len(cases) - 1 / MEASURE_EVERY) < 0.08, parts
    assert part(_case(1, "supported", True, model)) == "stance_seen"
    # a claim and its twin (FM2's claim again without its gold) fall in the same part: it is the claim's text
    twin = _case(1, "not_enough_evidence", False, model)
    assert part(twin) == part(cases[1])


def test_abstention_thresholds_are_chosen_on_unseen_claims_only(model):
    probs = np.tile([0.7, 0.1, 0.2], (120, 1))  # the claim model's (supported, refuted, not enough) per case
    # Unseen claims right, claims the stance model trained on wrong: only the unseen ones choose.
    right_unseen = [_case(i, "supported", i >= 60, model) for i in range(120)]
    low = abstention_thresholds(right_unseen, probs, model, log=lambda _: None)["supported"]
    assert low < 0.95
    # The same claims the other way round: the threshold part is wrong, so no threshold is precise enough.
    wrong_unseen = [_case(i, "refuted" if i < 60 else "supported", i >= 60, model) for i in range(120)]
    assert abstention_thresholds(wrong_unseen, probs, model, log=lambda _: None)["supported"] == 0.95
