"""Write docs/configuration.md from `service.config.Config`.

    python -m service.config_docs > docs/configuration.md

The page is generated rather than written so that it cannot drift from the
code: each field's description is its `doc` metadata, its default the
dataclass default, its environment variable `config.env_name`, and the order
of the sources `load_config`'s. tests/test_config_docs.py fails when a field
has no description or the committed page differs from what this prints.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from service.config import CONFIG_ENV, CONFIG_FILE, FALSE_WORDS, REPO_ROOT, TRUE_WORDS, Config, env_name

REGENERATE = ".venv/bin/python -m service.config_docs > docs/configuration.md"

# How each field type is written in TOML and in the environment.
_TYPE_WORDS = {"Path": "path", "str": "text", "int": "integer", "float": "number", "bool": "boolean"}


def describe(f: dataclasses.Field) -> str:
    """The field's one-line description; a field without one is a bug the test reports."""
    doc = f.metadata.get("doc", "")
    if not doc or "\n" in doc:
        raise ValueError(f"Config.{f.name} needs a one-line description: setting(default, doc) in service/config.py")
    return doc


def default_text(f: dataclasses.Field) -> str:
    """The default as it would be written in recoupe.toml; a path inside the repository is named relative
    to it, so the page reads the same on every machine."""
    value = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
    if isinstance(value, Path):
        if value.is_absolute() and value.is_relative_to(REPO_ROOT):
            return f"`{value.relative_to(REPO_ROOT).as_posix()}/` of the repository"
        return f'`"{value.as_posix()}"`'
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    return f"`{value}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render() -> str:
    lines = [
        "# Configuration",
        "",
        "<!-- Generated from service/config.py: do not edit by hand. To regenerate:",
        f"     {REGENERATE} -->",
        "",
        "Recoupe has one configuration object, `Config` in `service/config.py`. Each value comes from, later",
        "ones winning:",
        "",
        "1. the defaults below;",
        f"2. a TOML file: the path given to `recoupe --config`, else the one in `{CONFIG_ENV}`, else",
        f"   `{CONFIG_FILE}` in the working directory when it exists. Keys are the names in the first column,",
        "   at the top level; an unknown key is refused with the list of known ones;",
        "3. environment variables: the name in the second column (other variables are ignored);",
        "4. a few command-line flags, for the command they are given to (`recoupe --help`,",
        "   `recoupe serve --help`).",
        "",
        f"A boolean is `true` or `false` in TOML; in the environment {', '.join(f'`{w}`' for w in TRUE_WORDS)}",
        f"mean true and {', '.join(f'`{w}`' for w in FALSE_WORDS if w)} or an empty value false.",
        "",
        "```toml",
        f"# {CONFIG_FILE}",
        'index_type = "hnsw"',
        'rate_limit_verify = "120 per minute"',
        "ort_spinning = true",
        "```",
        "",
        "```bash",
        f"{env_name('port')}=8080 {env_name('api_key')}=\"$(cat key.txt)\" .venv/bin/recoupe serve --host 0.0.0.0",
        "```",
        "",
        "| key | environment variable | type | default | what |",
        "|---|---|---|---|---|",
    ]
    for f in dataclasses.fields(Config):
        lines.append(f"| `{f.name}` | `{env_name(f.name)}` | {_TYPE_WORDS.get(str(f.type), str(f.type))} "
                     f"| {default_text(f)} | {_cell(describe(f))} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
