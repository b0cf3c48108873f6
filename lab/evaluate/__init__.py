"""Evaluation: `recoupe eval DATASET` measures retrieval, stance and verdicts
on public benchmark data and writes JSON, a Markdown report and plots.

`metrics` holds the pure metric functions, `cache` the on-disk embedding
cache, `datasets` the readers (and the small subsets used while developing),
`retrieval` the retrievers and their fusion, `verdicts` the claim-level
figures (the stance figures come from the one stance evaluator,
lab/stance/evaluate.py), `plots` and `report` the outputs, and `runner` puts
one dataset's evaluation together.
"""

DATASETS = ("scifact", "climate-fever", "xnli-fr", "seeds")
RETRIEVERS = ("lexical", "dense", "hybrid")
