"""The ``inbound`` command line: ``serve`` and local-mode administration."""

from __future__ import annotations

from inbound.cli import commands, hooks  # noqa: F401  (importing registers the commands)
from inbound.cli.common import app


def main() -> None:
    app()


__all__ = ["app", "main"]
