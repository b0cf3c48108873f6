"""Stance: does a passage support, refute or not address a claim?

A 3-way NLI cross-encoder trained here from the rebuilt multilingual-e5-small:
`data` reads and mixes the training sets, `augment` writes synthetic
contradictions, `train` runs the recipe, `model` loads the shipped artefact,
`evaluate` measures it on held-out data.
"""

LABELS = ("entailment", "neutral", "contradiction")
# What the rest of the service calls them.
STANCES = {"entailment": "supports", "neutral": "unrelated", "contradiction": "refutes"}
