"""Index-specific failures, as `RecoupeError` subclasses so the API and CLI show them unchanged."""

from __future__ import annotations

from service.errors import RecoupeError


class DimensionMismatch(RecoupeError):
    """The stored vectors were made by an embedder of another size than the one in use.

    Mixing sizes cannot work (FAISS needs one dimension), and silently
    re-embedding would be a surprise, so we refuse and say what to do.
    """

    status = 409
    kind = "index-dimension-mismatch"
