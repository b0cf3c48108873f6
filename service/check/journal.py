"""The journal of a check run: what is done survives Ctrl-C, a crash or a power cut.

One JSON line per checked claim, appended after each batch, flushed and
fsync'd before the next batch starts. The first line records the settings
that shape a result (`top_k`), so that a re-run with other settings does not
silently mix results. A run that was cut off mid-write leaves at most one
partial last line; it is dropped when the journal is read back.

    {"recoupe_check_journal": 1, "settings": {"top_k": 10}}
    {"key": "id:c-17", "line": 18, "claim": "...", "result": {...Verification...}}
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from service.errors import InvalidInput

SUFFIX = ".partial.jsonl"
VERSION = 1


def journal_path(output: Path) -> Path:
    """The journal lives beside the output: `report.csv` -> `report.csv.partial.jsonl`."""
    return output.with_name(output.name + SUFFIX)


class Journal:
    def __init__(self, path: Path, settings: dict):
        self.path = Path(path)
        self.settings = settings

    def load(self) -> dict[str, dict]:
        """The records already journaled, by row key (the last one wins); {} when there is no journal."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        complete = raw[: raw.rfind(b"\n") + 1]  # a cut-off last line is dropped, and cut off the file
        if len(complete) != len(raw):
            with open(self.path, "r+b") as fh:
                fh.truncate(len(complete))
                _sync(fh)
        lines = complete.decode("utf-8", errors="replace").splitlines()
        if not lines:
            return {}
        self._check_header(lines[0])
        done: dict[str, dict] = {}
        for line in lines[1:]:
            try:
                record = json.loads(line)
                done[record["key"]] = record
            except (ValueError, KeyError, TypeError):
                continue  # unreadable: that claim is simply checked again
        return done

    def append(self, records: list[dict]) -> None:
        """Add one batch's records; on return they are on disk."""
        new = not self.path.exists() or self.path.stat().st_size == 0
        lines = []
        if new:
            lines.append(json.dumps({"recoupe_check_journal": VERSION, "settings": self.settings}))
        lines += [json.dumps(r, ensure_ascii=False) for r in records]
        with open(self.path, "ab") as fh:
            fh.write(("\n".join(lines) + "\n").encode("utf-8"))
            _sync(fh)
        if new:
            _sync_dir(self.path.parent)

    def remove(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass

    def _check_header(self, line: str) -> None:
        try:
            header = json.loads(line)
            version, settings = header["recoupe_check_journal"], header["settings"]
        except (ValueError, KeyError, TypeError):
            raise InvalidInput(f"{self.path} is not the journal of a check run; move it away or delete it, "
                               f"then run again") from None
        if version != VERSION or settings != self.settings:
            theirs = ", ".join(f"{k}={v}" for k, v in settings.items()) if isinstance(settings, dict) else settings
            ours = ", ".join(f"{k}={v}" for k, v in self.settings.items())
            raise InvalidInput(f"the unfinished run journaled in {self.path} used {theirs}, not {ours}: run "
                               f"again with the same options to resume it, or delete the journal to start over")


def _sync(fh) -> None:
    fh.flush()
    os.fsync(fh.fileno())


def _sync_dir(folder: Path) -> None:
    """Make a new file's name durable too (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
