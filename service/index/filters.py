"""Search filters (language, source, publication date) as one SQL condition.

Filters are evaluated by SQLite, never by FAISS, so that all three search
strategies in `store.py` agree on what a filter means:
- `languages` matches the passage's own language (set per sentence at ingest);
- `sources` matches the article's source;
- `date_from` / `date_to` are inclusive and compare ISO dates on their common
  precision, so an article dated "2023-05" falls inside date_from="2023-05-20"
  and "2023-05-10T09:00" inside date_to="2023-05-10". Articles without a
  publication date are left out whenever a date bound is given, unless
  `include_undated` (a date filter cannot say whether they fall inside, so the
  verification counts those it set aside: `PassageIndex.undated_articles`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from service.errors import InvalidInput

_ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2}([T ].*)?)?)?$")


def _names(value, what: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    out = tuple(value)
    if not out or not all(isinstance(v, str) and v for v in out):
        raise InvalidInput(f"{what} must be a non-empty list of names, got {value!r}")
    return out


def _date(value, what: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str) and _ISO_DATE.match(value):
        return value
    raise InvalidInput(f"{what} must be an ISO date such as 2024, 2024-05 or 2024-05-31, got {value!r}")


@dataclass(frozen=True)
class SearchFilter:
    languages: tuple[str, ...] | None = None
    sources: tuple[str, ...] | None = None
    date_from: str | None = None
    date_to: str | None = None
    include_undated: bool = False
    sql: str = field(default="1", compare=False)  # condition on aliases p (passages) and a (articles)
    params: dict = field(default_factory=dict, compare=False)

    @classmethod
    def build(cls, languages=None, sources=None, date_from=None, date_to=None,
              include_undated: bool = False) -> "SearchFilter":
        languages = _names(languages, "languages")
        sources = _names(sources, "sources")
        date_from = _date(date_from, "date_from")
        date_to = _date(date_to, "date_to")
        clauses, params = [], {}
        for column, values, prefix in (("p.language", languages, "lang"), ("a.source", sources, "src")):
            if values:
                names = [f":{prefix}{i}" for i in range(len(values))]
                clauses.append(f"{column} IN ({', '.join(names)})")
                params.update({n[1:]: v for n, v in zip(names, values)})
        # Compare on the shorter of the two precisions: substr(x, 1, L) with
        # L = min(length(published_at), length(bound)).
        dated = []
        for name, bound, op in (("dfrom", date_from, ">="), ("dto", date_to, "<=")):
            if bound:
                common = f"min(length(a.published_at), length(:{name}))"
                dated.append(f"substr(a.published_at, 1, {common}) {op} substr(:{name}, 1, {common})")
                params[name] = bound
        if dated:
            inside = " AND ".join(["a.published_at IS NOT NULL AND a.published_at != ''", *dated])
            undated = "a.published_at IS NULL OR a.published_at = ''"
            clauses.append(f"(({undated}) OR ({inside}))" if include_undated else inside)
        sql = " AND ".join(clauses) if clauses else "1"
        return cls(languages, sources, date_from, date_to, bool(include_undated and dated), sql, params)

    @property
    def empty(self) -> bool:
        return not self.params
