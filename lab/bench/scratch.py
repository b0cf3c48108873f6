"""A throw-away copy of the configured index for the campaigns that write to it (fuzz, soak, abuse)."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from service.errors import InvalidInput


@contextmanager
def scratch_index(config, name: str):
    """(temporary folder, copy of config.data_dir inside it, a fresh API key); removed on exit.

    The campaigns add, delete and hammer: they never touch the user's own store."""
    from service.index.persist import DB_NAME

    source = Path(config.data_dir)
    if not (source / DB_NAME).is_file():
        raise InvalidInput(f"no index in {source}: run ./setup.sh or pass --data-dir")
    with tempfile.TemporaryDirectory(prefix=f"recoupe-{name}-") as tmp:
        data_dir = Path(tmp) / "data"
        shutil.copytree(source, data_dir, ignore=shutil.ignore_patterns("*.lock", "cache"))
        yield Path(tmp), data_dir, secrets.token_urlsafe(24)
