"""Which stored addresses may become links, the one rule for every page, report and ClaimReview draft:
an http(s) web address without spaces, quotes or angle brackets, never javascript: or data: ones."""

from __future__ import annotations

import re

_WEB_ADDRESS = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)


def safe_url(url) -> str | None:
    """`url` when it may be a link, else None."""
    return url if isinstance(url, str) and _WEB_ADDRESS.fullmatch(url) else None
