"""docs/configuration.md is generated from `Config` and says what the loader really reads."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from service import config_docs
from service.config import Config, env_name, load_config
from tests.conftest import REPO

PAGE = REPO / "docs" / "configuration.md"
FIELDS = [f.name for f in dataclasses.fields(Config)]


def _other_value(f: dataclasses.Field) -> tuple[str, object]:
    """A value unlike the default, as text the environment or TOML would carry, and as the loader reads it."""
    if f.type == "bool":
        return "true", True
    if f.type == "int":
        return "7", 7
    if f.type == "float":
        return "0.5", 0.5
    if f.type == "Path":
        return "elsewhere", Path("elsewhere")
    return "something else", "something else"


@pytest.mark.parametrize("name", FIELDS)
def test_every_setting_has_a_one_line_description(name):
    f = next(f for f in dataclasses.fields(Config) if f.name == name)
    assert config_docs.describe(f)  # raises, naming the field, when it has none


def test_the_committed_configuration_page_is_what_the_generator_prints():
    assert PAGE.read_text(encoding="utf-8") == config_docs.render(), (
        f"docs/configuration.md is out of date with service/config.py; regenerate it: {config_docs.REGENERATE}")


def test_the_configuration_page_names_only_settings_that_exist():
    named = re.findall(r"^\| `([a-z0-9_]+)` \|", PAGE.read_text(encoding="utf-8"), flags=re.M)
    assert sorted(named) == sorted(FIELDS), (
        f"fields the page names but Config lacks: {sorted(set(named) - set(FIELDS))}; fields missing from the page: "
        f"{sorted(set(FIELDS) - set(named))}; regenerate it: {config_docs.REGENERATE}")


def test_the_page_names_no_path_of_this_machine():
    assert str(REPO) not in config_docs.render()


@pytest.mark.parametrize("name", FIELDS)
def test_the_environment_variable_the_page_names_sets_the_field(name):
    f = next(f for f in dataclasses.fields(Config) if f.name == name)
    text, value = _other_value(f)
    assert f"| `{name}` | `{env_name(name)}` |" in config_docs.render()
    assert getattr(load_config(env={env_name(name): text}), name) == value


@pytest.mark.parametrize("name", FIELDS)
def test_the_toml_key_the_page_names_sets_the_field(name, tmp_path):
    f = next(f for f in dataclasses.fields(Config) if f.name == name)
    text, value = _other_value(f)
    toml = tmp_path / "recoupe.toml"
    toml.write_text(f"{name} = {'true' if value is True else repr(value) if f.type in ('int', 'float') else repr(text)}\n")
    assert getattr(load_config(toml, env={}), name) == value
