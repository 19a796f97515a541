"""The System Console's settings table (``js/console_settings.js``) covers every runtime setting
the README documents, with the server's default, type and allowed range: a new setting without a
console row fails here."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from inbound.config import DEFAULTS, SECTIONS

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()
TABLE = (ROOT / "src/inbound/web/static/js/console_settings.js").read_text()
ROW = re.compile(
    r'row\("(?P<page>[a-z_/]+)", "(?P<key>\w+\.\w+)", "(?P<type>bool|number|text|list)", '
    r'"(?P<label>[^"]+)",\s*"(?P<help>[^"]+)",\s*(?P<default>[^,]+?)(?:, \{(?P<extra>[^}]*)\})?\)'
)
PAGE = re.compile(r'\["([a-z_/]+)", "[^"]+", "[^"]+"\]')


def readme_settings() -> list[str]:
    """The keys of the README's runtime-settings table (rows like ``| `A.B` | default | … |``)."""
    return re.findall(r"^\| `(\w+Settings\.\w+)` \|", README, flags=re.MULTILINE)


def console_rows() -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for match in ROW.finditer(TABLE):
        assert match["key"] not in rows, f"{match['key']} has two console rows"
        rows[match["key"]] = match.groupdict()
    return rows


def _ranges() -> dict[str, tuple[int, int]]:
    return {
        f"{section.__name__}.{f.metadata['key']}": f.metadata["between"]
        for section in SECTIONS
        for f in fields(section)
        if f.metadata["between"]
    }


def test_the_table_parses() -> None:
    assert len(console_rows()) == TABLE.count('row("'), "a row the test's pattern cannot read"
    assert len(readme_settings()) >= 30


@pytest.mark.parametrize("key", readme_settings())
def test_every_readme_setting_has_a_console_row(key: str) -> None:
    assert key in console_rows(), f"{key} is documented but has no System Console row"


@pytest.mark.parametrize("key", sorted(console_rows()))
def test_each_row_matches_the_server(key: str) -> None:
    row = console_rows()[key]
    section, name = key.split(".")
    default = DEFAULTS[section][name]  # KeyError: a row for a setting the server lacks
    assert json.loads(row["default"]) == default
    kind = {bool: "bool", int: "number", str: "text", list: "list"}[type(default)]
    assert row["type"] == kind
    assert row["page"] in PAGE.findall(TABLE)
    assert len(row["help"]) > 20
    if kind == "number":
        low, high = _ranges()[key]
        assert f"min: {low}, max: {high}" in (row["extra"] or "")
