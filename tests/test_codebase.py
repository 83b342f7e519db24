"""The codebase's own checks, in every test run (CI runs only `make test`): ruff's lint and
format, mypy, and the import contracts in pyproject.toml (services never import each other,
the domain stays pure, only a service's repository loads SQL)."""

import ast
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


def test_a_module_over_300_lines_says_why() -> None:
    """Modules stay small; one that cannot says why in its docstring ("Over 300 lines: …")."""
    silent = []
    for package in ("shared", "services"):
        for path in (ROOT / package).rglob("*.py"):
            if "tests" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            if text.count("\n") > 300:
                doc = ast.get_docstring(ast.parse(text)) or ""
                if "Over 300 lines:" not in doc:
                    silent.append(f"{path.relative_to(ROOT)} ({text.count(chr(10))} lines)")
    assert not silent, silent
