"""Recoupe: verify a claim against a trusted corpus of articles.

The package is laid out in the order data flows through it:
ingest -> index -> retrieve -> stance -> verdict -> api / cli.
Nothing heavy happens at import: models load in `service.models.registry`.
"""

__version__ = "0.1.0"
