"""The stance model as the service sees it: clear cases come out right, a
missing artefact says how to build it.

Tests that need the trained artefact (models/stance/) and the rebuilt
embedder (models/e5-small/) skip with a message until both are built.
"""

from pathlib import Path

import numpy as np
import pytest

from service.errors import ModelMissing
from service.stance import Stance
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
    # the column order is the artefact's own (config.json id2label), and each column has the one name
    # the whole service gives it: neutral is neutral, from the model to the API
    assert model.labels == ("entailment", "neutral", "contradiction")
    assert model.stances == (Stance.SUPPORTS, Stance.NEUTRAL, Stance.REFUTES)
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
    # Known weakness, see models/README.md; "onnx-int8-static" does not move (next tests).
    assert np.allclose(together, alone, atol=0.15)
    assert (together.argmax(1) == alone.argmax(1)).all()


def _mixed_lengths() -> list[tuple[str, str]]:
    """The clear cases, the probe's pairs and a few long passages: 10 to 128 tokens."""
    from lab.stance.probe import PROBE

    long = ("Le gouvernement a présenté mercredi un projet de loi de finances qui prévoit une baisse des impôts "
            "pour les ménages modestes, une hausse de la taxe sur les billets d'avion et un plan d'économies de "
            "dix milliards d'euros réparti sur trois ans entre l'État, les collectivités et la sécurité sociale. ")
    pairs = [_pair(c) for c in CLEAR] + [(p[0], p[1]) for p in PROBE[:24]]
    return pairs + [(long * k, "Le projet de loi prévoit une hausse des impôts des ménages modestes.") for k in (1, 2, 3)]


def _one_padded_call(model, pairs, width: int) -> np.ndarray:
    """Every pair in one call of the model's graph, right-padded to `width` tokens."""
    from service.stance.model import PAD_ID, softmax

    encoded = model._tok.encode_batch(pairs)
    ids = np.full((len(pairs), width), PAD_ID, dtype=np.int64)
    mask = np.zeros((len(pairs), width), dtype=np.int64)
    for row, e in enumerate(encoded):
        ids[row, :len(e.ids)], mask[row, :len(e.ids)] = e.ids, 1
    return softmax(model._logits(ids, mask), model.temperature)


def test_a_pair_gets_the_same_probabilities_whatever_pairs_share_its_call():
    # The int8 graph with activation ranges fixed at build time (export.freeze_runtime): a pair's
    # probabilities do not move with its batch-mates or its padding, so a claim's pairs run in one
    # call. (The dynamically quantised graph moves them by up to 0.24: next test.)
    if _runtime() != "onnx-int8" or not (MODELS / "stance" / "onnx" / "model_int8_static.onnx").is_file():
        pytest.skip("the int8 runtimes are not built: run `recoupe models build-stance`")
    model = StanceModel.load(MODELS, runtime="onnx-int8-static", threads=2)
    assert model.batch_size > 1
    pairs = _mixed_lengths()
    alone = np.vstack([model.predict([p]) for p in pairs])
    worst = {
        "length-bucketed, as served": np.abs(model.predict(pairs) - alone).max(),
        "other order, batches of 5": np.abs(model.predict(pairs[::-1], batch_size=5)[::-1] - alone).max(),
        "one call padded to the longest": np.abs(_one_padded_call(model, pairs, model.max_length) - alone).max(),
        "with other claims' pairs": np.abs(model.predict(pairs[:9] + pairs[20:])[:9] - alone[:9]).max(),
    }
    assert max(worst.values()) <= 1e-3, worst


def test_the_dynamically_quantised_graph_does_depend_on_its_batch_mates():
    # What the test above guards against, shown on the graph that quantises each call's activations
    # with the call's own range: it is served one pair per call for that reason.
    if _runtime() != "onnx-int8":
        pytest.skip("the int8 runtime is not built: run `recoupe models build-stance`")
    model = StanceModel.load(MODELS, runtime="onnx-int8", threads=2)
    assert model.batch_size == 1
    pairs = _mixed_lengths()
    alone = np.vstack([model.predict([p]) for p in pairs])
    assert np.abs(_one_padded_call(model, pairs, model.max_length) - alone).max() > 1e-2


def test_length_batches_keep_every_pair_once_and_pad_little():
    from service.stance.model import MAX_PADDING, length_batches

    lengths = [93, 12, 40, 41, 13, 85, 38, 120, 37, 59]
    batches = length_batches(lengths, batch_size=32)
    assert sorted(int(j) for b in batches for j in b) == list(range(len(lengths)))
    for b in batches:
        widths = [lengths[j] for j in b]
        assert len(b) == 1 or len(b) * max(widths) <= (1 + MAX_PADDING) * sum(widths)
    assert len(length_batches([30] * 70, batch_size=32)) == 3  # equal lengths: only the batch size cuts
