"""The codebase's own checks, in every test run (CI runs only `make test`): ruff's lint and
format, mypy, and the import contracts in pyproject.toml (services never import each other,
the domain stays pure, only a service's repository loads SQL)."""

import ast
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


CHECKS = {
    "ruff-check": ("ruff", "check", "."),
    "ruff-format": ("ruff", "format", "--check", "."),
    "import-contracts": ("lint-imports", "--no-cache"),
    "mypy": ("mypy", "complaint_desk", "bench"),
}
_started: dict[str, tuple[subprocess.Popen[bytes], IO[bytes]]] = {}


def start_checks() -> None:
    """Start the checks in the background as the session begins (conftest.py calls this when
    they are selected): they take a core for a minute while the rest of the suite mostly waits
    on services, so the suite does not wait for them one after another."""
    for name, (tool, *args) in CHECKS.items():
        if name not in _started:
            output = tempfile.TemporaryFile()  # noqa: SIM115 - read and closed by the test
            process = subprocess.Popen(
                [str(BIN / tool), *args], cwd=ROOT, stdout=output, stderr=subprocess.STDOUT
            )
            _started[name] = (process, output)


@pytest.mark.parametrize("name", list(CHECKS))
def test_the_codebase_passes(name: str) -> None:
    start_checks()  # already started, unless this test runs on its own
    process, output = _started[name]
    code = process.wait(timeout=900)
    output.seek(0)
    text = output.read().decode(errors="replace")
    output.close()
    assert code == 0, f"{' '.join(CHECKS[name])}:\n{text}"


def test_a_module_over_300_lines_says_why() -> None:
    """Modules stay small; one that cannot says why in its docstring ("Over 300 lines: …")."""
    silent = []
    for path in (ROOT / "complaint_desk").rglob("*.py"):
        if "tests" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > 300:
            doc = ast.get_docstring(ast.parse(text)) or ""
            if "Over 300 lines:" not in doc:
                silent.append(f"{path.relative_to(ROOT)} ({text.count(chr(10))} lines)")
    assert not silent, silent
