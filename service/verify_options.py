"""What a verification may be asked: how many passages to weigh and which
evidence to keep. One validated object, built by the API schema, the CLI, the
page and the claims files alike, and handed to the Verifier; its limits and
default are service/limits.py's.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.errors import InvalidInput
from service.limits import DEFAULT_TOP_K, MAX_TOP_K


@dataclass(frozen=True)
class VerifyOptions:
    top_k: int = DEFAULT_TOP_K  # evidence passages (groups of near-identical quotes) weighed per claim
    languages: tuple[str, ...] | None = None  # only evidence in these languages
    sources: tuple[str, ...] | None = None  # only evidence from these sources
    date_from: str | None = None  # only articles published on or after this ISO date (YYYY[-MM[-DD]])
    date_to: str | None = None
    # A date filter keeps the dated articles it covers and sets the undated ones aside (the verification says
    # how many: Verification.undated_set_aside), unless this is True: then undated articles are weighed too.
    # Off by default: a reader who asks for a period gets evidence known to be from it, and is told what
    # was left out, rather than evidence of unknown date mixed in silently.
    include_undated: bool = False

    def __post_init__(self):
        if isinstance(self.top_k, bool) or not isinstance(self.top_k, int) or not 1 <= self.top_k <= MAX_TOP_K:
            raise InvalidInput(f"top_k must be between 1 and {MAX_TOP_K}")
        for name in ("languages", "sources"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, tuple(value))

    @classmethod
    def of(cls, options: dict | None) -> "VerifyOptions":
        """From loaded request fields (absent ones take their default)."""
        return cls(**{k: v for k, v in (options or {}).items() if v is not None})

    def filters(self) -> dict:
        """The evidence filters, as the index and the retrievers take them."""
        return {"languages": list(self.languages) if self.languages is not None else None,
                "sources": list(self.sources) if self.sources is not None else None,
                "date_from": self.date_from, "date_to": self.date_to, "include_undated": self.include_undated}

    @property
    def dated_only(self) -> bool:
        """A date bound is given and undated articles are set aside."""
        return bool(self.date_from or self.date_to) and not self.include_undated
