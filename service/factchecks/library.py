"""A newsroom's published fact-checks: import, list, read, delete. The one set of functions
behind `recoupe factchecks ...` and `/v1/factchecks`."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.errors import InvalidInput
from service.factchecks.match import Matcher
from service.factchecks.records import BadRecord, FactCheck, read_file, read_objects
from service.ingest.language import detect_language

MAX_FACT_CHECKS_PER_REQUEST = 500


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)  # ids
    updated: list[str] = field(default_factory=list)  # ids stored before, with other rating / date / url / author
    unchanged: list[str] = field(default_factory=list)
    bad: list[tuple[str, BadRecord]] = field(default_factory=list)  # (file or "request", record)

    def ids_count(self) -> int:
        return len(self.added) + len(self.updated) + len(self.unchanged)

    def to_dict(self) -> dict:
        return {"added": len(self.added), "updated": len(self.updated), "unchanged": len(self.unchanged),
                "ids": self.added + self.updated + self.unchanged,
                "bad_records": [{"file": name, **bad.to_dict()} for name, bad in self.bad]}


class FactChecks:
    def __init__(self, matcher: Matcher):
        self.matcher = matcher
        self.store = matcher.store

    def import_files(self, paths) -> ImportReport:
        report = ImportReport()
        for path in paths:
            good, bad = read_file(path)
            report.bad += [(str(path), b) for b in bad]
            self._save(good, report)
        return report

    def import_objects(self, items) -> ImportReport:
        if not isinstance(items, list):
            items = [items]
        if not 1 <= len(items) <= MAX_FACT_CHECKS_PER_REQUEST:
            raise InvalidInput(f"send 1 to {MAX_FACT_CHECKS_PER_REQUEST} fact-checks per request")
        good, bad = read_objects(items)
        report = ImportReport(bad=[("request", b) for b in bad])
        self._save(good, report)
        return report

    def list(self, query: str = "", limit: int = 50, offset: int = 0):
        return self.store.list(query, limit, offset)

    def get(self, fact_check_id: str):
        return self.store.get(fact_check_id)

    def delete(self, fact_check_id: str):
        return self.store.delete(fact_check_id)

    def _save(self, items: list[FactCheck], report: ImportReport) -> None:
        unique = list({f.id: f for f in items}.values())  # a file listing one fact-check twice keeps the last
        before = self.store.existing(f.id for f in unique)
        fresh = [f for f in unique if f.id not in before]
        changed = [f for f in unique if f.id in before and before[f.id] != (f.claim, f.rating, f.date, f.url, f.author)]
        report.unchanged += [f.id for f in unique if f.id in before and f not in changed]
        todo = fresh + changed
        if todo:
            self.store.put(todo, [detect_language(f.claim, default="und") for f in todo],
                           self.matcher.embed([f.claim for f in todo]), self.matcher.embedder_name)
        report.added += [f.id for f in fresh]
        report.updated += [f.id for f in changed]


def open_library(config) -> FactChecks:
    """The library for a command: the desk's file under the configured data folder, models from the registry."""
    from service.factchecks.store import FactCheckStore
    from service.models.registry import get_models

    models = get_models(config)
    return FactChecks(Matcher(FactCheckStore.in_dir(config.data_dir), models.embedder, models.matching, models.verdict))
