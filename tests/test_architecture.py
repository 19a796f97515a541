"""The import rules of docs/architecture.md hold (import-linter contracts in pyproject.toml), and
the check would notice a module that crosses a forbidden line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(src: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_contract_is_kept() -> None:
    result = _lint(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        pytest.param("services/posts.py", "from inbound.web import wire", "Layers", id="up"),
        pytest.param("web/views.py", "from inbound.store import posts", "database", id="web-store"),
        pytest.param("webhooks/split.py", "import sqlalchemy", "pure", id="impure"),
        pytest.param("services/hooks.py", "import starlette", "HTTP", id="http"),
    ],
)
def test_a_forbidden_import_breaks_a_contract(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    shutil.copytree(ROOT / "src" / "inbound", tmp_path / "inbound")
    target = tmp_path / "inbound" / module
    target.write_text(target.read_text() + f"\n{line}  # planted\n")
    result = _lint(tmp_path)
    assert result.returncode != 0, result.stdout
    broken = [ln for ln in result.stdout.splitlines() if ln.endswith("BROKEN")]
    assert any(contract in ln for ln in broken), result.stdout
