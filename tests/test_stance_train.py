"""The stance training recipe: a stopped run resumes exactly, warm from the shipped model.

Runs real training steps on tiny batches of the smoke mix; needs the training data beside the
repository (../shared/data, there in CI) and the built backbone.
"""

import dataclasses
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
MODELS = Path(__file__).resolve().parents[1] / "models"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not DATA.is_dir(), reason=f"the stance training data is not in {DATA}"),
    pytest.mark.skipif(not (MODELS / "e5-small" / "model.safetensors").is_file(),
                       reason="the e5-small backbone is not built (recoupe models build-embedder)"),
]


@pytest.fixture(scope="module")
def recipe():
    from lab.stance.train import Recipe

    # Tiny batches of the smoke mix (no mined neutrals, so it runs in CI) and no bf16, so that the runs
    # below take seconds and compare bit for bit.
    return dataclasses.replace(Recipe(), mix="smoke", batch_size=2, max_length=64, autocast="off", val_every=10**6)


def _trained(out: Path) -> dict:
    import torch

    from lab.stance.train import checkpoint_path

    return torch.load(checkpoint_path(out), map_location="cpu", weights_only=False)


def test_a_stopped_run_resumes_where_it_stopped_with_the_same_weights(tmp_path, recipe):
    import torch

    from lab.stance.train import train

    quiet = lambda _m: None  # noqa: E731
    train(MODELS, DATA, out_dir=tmp_path / "straight", recipe=recipe, stop_after_steps=4, log=quiet)
    train(MODELS, DATA, out_dir=tmp_path / "resumed", recipe=recipe, stop_after_steps=2, log=quiet)
    train(MODELS, DATA, out_dir=tmp_path / "resumed", recipe=recipe, stop_after_steps=4, log=quiet)
    a, b = _trained(tmp_path / "straight"), _trained(tmp_path / "resumed")
    assert a["step"] == b["step"] == 4
    for name, tensor in a["model"].items():
        assert torch.equal(tensor, b["model"][name]), name


def test_a_new_run_starts_from_the_shipped_weights(tmp_path, recipe):
    from lab.stance.export import load_weights
    from lab.stance.train import train

    logs = []
    train(MODELS, DATA, out_dir=tmp_path / "run", recipe=recipe, stop_after_steps=0, log=logs.append)
    assert any("warm from the shipped stance model" in m for m in logs)
    shipped = load_weights(MODELS / "stance")
    start = _trained(tmp_path / "run")["model"]
    name = "classifier.weight"
    assert (start[name].half() == shipped[name]).all()


def test_a_run_folder_without_its_checkpoint_resumes_from_its_committed_interim_artefact(tmp_path, recipe):
    """A new working machine has the run's committed interim weights but not its checkpoint."""
    import torch

    from lab.stance.export import export, load_weights
    from lab.stance.train import checkpoint_path, train

    models = tmp_path / "models"
    models.mkdir()
    (models / "e5-small").symlink_to(MODELS / "e5-small")
    run = models / "stance"  # a run's folder, laid out as a candidate (its e5-small beside it)
    logs = []
    train(MODELS, DATA, out_dir=run, recipe=recipe, stop_after_steps=3, log=logs.append)
    export(models, out_dir=run, log=logs.append)
    checkpoint_path(run).unlink()
    logs.clear()
    train(MODELS, DATA, out_dir=run, recipe=recipe, stop_after_steps=3, log=logs.append)
    assert any("resuming warm from the interim artefact at step 3/" in m for m in logs), logs
    resumed = torch.load(checkpoint_path(run), map_location="cpu", weights_only=False)
    assert resumed["step"] == 3
    interim = load_weights(run)
    assert (resumed["model"]["classifier.weight"].half() == interim["classifier.weight"]).all()
