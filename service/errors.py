"""One error type for the whole project.

Every failure a user can cause or meet is a `RecoupeError`; the CLI prints it
and the HTTP layer turns it into one `application/problem+json` shape, so the
message is written once, here where the failure is understood.
"""

from __future__ import annotations


class RecoupeError(Exception):
    """A failure with a message a person can act on."""

    status = 500
    kind = "error"

    def __init__(self, message: str, *, detail: dict | None = None, values: dict | None = None):
        # With `values`, `message` is an English gettext message with %(name)s places for them: the CLI and
        # the logs read it filled in, the page and the API translate it first (service/translations/messages.py).
        self.template = message
        self.values = values or {}
        message = message % self.values if self.values else message
        super().__init__(message)
        self.message = message
        self.detail = detail or {}

    def to_dict(self) -> dict:
        out = {"type": self.kind, "title": self.message, "status": self.status}
        if self.detail:
            out["detail"] = self.detail
        return out


class InvalidInput(RecoupeError):
    """The caller sent something we cannot use (bad file, bad field)."""

    status = 400
    kind = "invalid-input"


class TooLarge(RecoupeError):
    """More than a documented limit allows (an article's size or sentence count)."""

    status = 413
    kind = "too-large"


class NotFound(RecoupeError):
    status = 404
    kind = "not-found"


class ModelMissing(RecoupeError):
    """A model artefact has not been built yet; the message names the command."""

    status = 503
    kind = "model-missing"


class IndexCorrupt(RecoupeError):
    status = 500
    kind = "index-corrupt"
