"""Stance: does a passage support, refute or not address a claim?

A 3-way NLI cross-encoder trained here from the rebuilt multilingual-e5-small:
`data` reads and mixes the training sets, `augment` writes synthetic
contradictions, `train` runs the recipe, `model` loads the shipped artefact,
`evaluate` measures it on held-out data.

`Stance` is the one vocabulary of what a passage does to a claim, from the
stance model's columns to the API's `stance` field; the model's own label
names (its config's id2label) map onto it through STANCE_OF_LABEL.
"""

from enum import StrEnum

LABELS = ("entailment", "neutral", "contradiction")  # the training label ids, in this order


class Stance(StrEnum):
    """What one passage does to the claim."""

    SUPPORTS = "supports"
    REFUTES = "refutes"
    NEUTRAL = "neutral"  # it does not bear on the claim, or not enough to tell


# The stance model's label names -> what the rest of the service calls them.
STANCE_OF_LABEL = {"entailment": Stance.SUPPORTS, "neutral": Stance.NEUTRAL, "contradiction": Stance.REFUTES}
