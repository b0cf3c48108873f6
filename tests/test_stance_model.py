"""The stance model as the service sees it: clear cases come out right, a
missing artefact says how to build it.

Tests that need the trained artefact (models/stance/) and the rebuilt
embedder (models/e5-small/) skip with a message until both are built.
"""

from pathlib import Path

import numpy as np
import pytest

from service.errors import ModelMissing
from service.stance.model import StanceModel

MODELS = Path(__file__).resolve().parents[1] / "models"
ENT, NEU, CON = 0, 1, 2


def test_missing_stance_artefact_names_the_command_that_builds_it(tmp_path):
    with pytest.raises(ModelMissing) as err:
        StanceModel.load(tmp_path)
    assert "recoupe models train-stance" in err.value.message


def test_missing_int8_runtime_names_the_command_that_builds_it(tmp_path):
    stance = tmp_path / "stance"
    stance.mkdir()
    (stance / "model-00001-of-00001.safetensors").write_bytes(b"")
    if not (MODELS / "e5-small" / "tokenizer.json").is_file():
        pytest.skip("the embedder is not built: run `recoupe models build-embedder`")
    (tmp_path / "e5-small").symlink_to(MODELS / "e5-small")
    with pytest.raises(ModelMissing) as err:
        StanceModel.load(tmp_path, runtime="onnx-int8")
    assert "recoupe models build-stance" in err.value.message


def _runtime() -> str:
    stance, e5 = MODELS / "stance", MODELS / "e5-small"
    if not any(stance.glob("model-*-of-*.safetensors")):
        pytest.skip("the stance model is not trained yet: run `recoupe models train-stance`")
    if not (e5 / "model.safetensors").is_file():
        pytest.skip("the embedder is not built: run `recoupe models build-embedder`")
    return "onnx-int8" if (stance / "onnx" / "model_int8.onnx").is_file() else "torch-fp32"


@pytest.fixture(scope="module")
def model():
    return StanceModel.load(MODELS, runtime=_runtime(), threads=2)


CLEAR = [
    # French
    ("Kim a annoncé qu'elle ne publiera pas sur Instagram mercredi.", "Kim publiera sur Instagram mercredi.", CON),
    ("Le groupe compte 188 millions d'abonnés sur Instagram.", "Le groupe compte 10 millions d'abonnés sur Instagram.", CON),
    ("Le chanteur a été élu maire de sa ville en 2020.", "Le chanteur est devenu maire.", ENT),
    # Same subject, another matter: the first model read it as contradiction (0.70); the second reads it right.
    ("Le chanteur a été élu maire de sa ville en 2020.", "Le chanteur a sorti un album de jazz.", NEU),
    # English
    ("The actress said she will not post on Facebook on Wednesday.", "The actress will post on Facebook on Wednesday.", CON),
    ("A man is playing a guitar on stage.", "A man is playing an instrument.", ENT),
    ("A man is playing a guitar on stage.", "The man is a famous singer from Texas.", NEU),
    # cross-lingual
    ("The company laid off 3,000 employees in March.", "L'entreprise n'a licencié personne en mars.", CON),
    ("Le footballeur a signé un contrat de cinq ans avec le club.", "The footballer signed a contract with the club.", ENT),
]


def _pair(case) -> tuple[str, str]:
    """(premise, hypothesis) of a CLEAR case, plain or wrapped in pytest.param."""
    values = case.values if hasattr(case, "values") else case
    return values[0], values[1]


def test_probabilities_have_one_row_per_pair_in_label_order(model):
    probs = model.predict([(p, h) for p, h, _ in CLEAR[:3]])
    assert probs.shape == (3, 3)
    assert np.allclose(probs.sum(1), 1.0, atol=1e-4)
    assert model.labels == ("entailment", "neutral", "contradiction")
    assert model.stances == ("supports", "unrelated", "refutes")
    assert model.predict([]).shape == (0, 3)


@pytest.mark.parametrize("premise,hypothesis,label", CLEAR, ids=[_pair(c)[1][:40] for c in CLEAR])
def test_clear_french_english_and_cross_lingual_pairs_come_out_right(model, premise, hypothesis, label):
    probs = model.predict([(premise, hypothesis)])[0]
    assert int(probs.argmax()) == label, f"{probs.round(3)} for {premise!r} / {hypothesis!r}"


def test_predictions_do_not_depend_on_batch_composition(model):
    pairs = [_pair(c) for c in CLEAR]
    together = model.predict(pairs, batch_size=4)
    alone = np.vstack([model.predict([pair]) for pair in pairs])
    # int8 activations are quantised per batch (dynamic quantisation): the
    # probabilities move with the batch around them (measured: up to 0.05 with
    # the first model, 0.105 with the second; fp32: 0), the decisions do not.
    # Known weakness, see models/README.md.
    assert np.allclose(together, alone, atol=0.15)
    assert (together.argmax(1) == alone.argmax(1)).all()


def test_length_batches_keep_every_pair_once_and_pad_little():
    from service.stance.model import MAX_PADDING, length_batches

    lengths = [93, 12, 40, 41, 13, 85, 38, 120, 37, 59]
    batches = length_batches(lengths, batch_size=32)
    assert sorted(int(j) for b in batches for j in b) == list(range(len(lengths)))
    for b in batches:
        widths = [lengths[j] for j in b]
        assert len(b) == 1 or len(b) * max(widths) <= (1 + MAX_PADDING) * sum(widths)
    assert len(length_batches([30] * 70, batch_size=32)) == 3  # equal lengths: only the batch size cuts
