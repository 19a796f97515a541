"""The docs stay honest: every setting, CLI command and webhook error id is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from inbound.cli import app
from inbound.config import DEFAULTS
from inbound.settings import Settings

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()
WEBHOOKS = (ROOT / "docs" / "webhooks.md").read_text()
SOURCES = "\n".join(p.read_text() for p in (ROOT / "src" / "inbound").rglob("*.py"))


@pytest.mark.parametrize("name", [f"{s}.{k}" for s, keys in DEFAULTS.items() for k in keys])
def test_every_runtime_setting_is_in_the_readme(name: str) -> None:
    assert f"`{name}`" in README


@pytest.mark.parametrize("name", list(Settings.__dataclass_fields__))
def test_every_environment_variable_is_in_the_readme(name: str) -> None:
    assert f"`INBOUND_{name.upper()}`" in README


def _commands() -> list[str]:
    import typer.main

    group = typer.main.get_command(app)
    out = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        subs = getattr(command, "commands", None)
        out.extend(f"inbound {name} {sub}" for sub in subs) if subs else out.append(
            f"inbound {name}"
        )
    return out


@pytest.mark.parametrize("command", _commands())
def test_every_cli_command_is_in_the_readme(command: str) -> None:
    assert command in README


WEBHOOK_IDS = sorted(
    set(
        re.findall(
            r'"((?:web\.incoming_webhook|api\.incoming_webhook|api\.webhook|app\.webhooks|model\.incoming_hook)[a-z_.]*)',
            SOURCES,
        )
    )
)


@pytest.mark.parametrize("error_id", WEBHOOK_IDS)
def test_every_webhook_error_id_is_in_the_webhook_docs(error_id: str) -> None:
    assert f"`{error_id}`" in WEBHOOKS or (
        error_id.startswith("model.incoming_hook.") and "model.incoming_hook." in WEBHOOKS
    )
