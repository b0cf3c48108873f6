"""Temperature scaling: the fit finds the temperature that made the data, and lowers the calibration error
of an over-confident model without changing what it predicts."""

import numpy as np

from lab.stance.calibrate import ece, fit_temperature, nll


def _overconfident(n=4000, true_t=2.5, seed=0):
    """Labels drawn from softmax(z), reported as logits z * true_t: a model too sure by a factor true_t."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 1.5, size=(n, 3))
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    labels = np.array([rng.choice(3, p=row) for row in p])
    return z * true_t, labels


def test_the_fit_recovers_the_temperature_that_made_the_data():
    logits, labels = _overconfident()
    t = fit_temperature(logits, labels)
    assert 2.2 < t < 2.8
    assert nll(logits, labels, t) < nll(logits, labels, 1.0)


def test_scaling_lowers_the_calibration_error_and_keeps_the_predictions():
    logits, labels = _overconfident(seed=1)
    t = fit_temperature(logits, labels)

    def probs(temp):
        x = logits / temp
        e = np.exp(x - x.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    assert ece(probs(t), labels) < 0.03 < ece(probs(1.0), labels)
    assert (probs(t).argmax(1) == probs(1.0).argmax(1)).all()


def test_a_calibrated_model_keeps_a_temperature_near_one():
    logits, labels = _overconfident(true_t=1.0, seed=2)
    assert 0.85 < fit_temperature(logits, labels) < 1.15
