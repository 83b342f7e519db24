"""The codebase's own checks, in every test run (CI runs only `make test`): ruff's lint and
format, mypy, and the import contracts in pyproject.toml (services never import each other,
the domain stays pure, only a service's repository loads SQL)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*command: str) -> None:
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}\n{done.stderr}"


@pytest.mark.parametrize(
    "command",
    [
        ("ruff", "check", "."),
        ("ruff", "format", "--check", "."),
        ("lint-imports", "--no-cache"),
        ("mypy", "shared", "services", "bench"),
    ],
    ids=["ruff-check", "ruff-format", "import-contracts", "mypy"],
)
def test_the_codebase_passes(command: tuple[str, ...]) -> None:
    _run(str(BIN / command[0]), *command[1:])
