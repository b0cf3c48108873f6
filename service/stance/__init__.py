"""Stance: does a passage support, refute or not address a claim?

A 3-way NLI cross-encoder trained from the rebuilt multilingual-e5-small (the
training, export and evaluation are the lab's: lab/stance/). Here: `model` runs
the shipped artefact that `artefact` reads, `batcher` batches and caches the
pairs of concurrent requests, `pairs` writes a passage as a premise.

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
