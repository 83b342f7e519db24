"""Schemathesis against each service's OpenAPI, on the running system: whatever a client
sends, no 500s, and every answer matches the schema the service publishes."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from complaint_desk.tools.devstack.stack import SERVICES
from conftest import ARTIFACTS
from tests.credentials import ADMIN

from .conftest import System

pytestmark = pytest.mark.e2e

CHECKS = "not_a_server_error,response_schema_conformance"
REPORTS = ARTIFACTS / "fuzz"


@pytest.fixture(scope="module")
def fuzzing(system: System) -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    """One schemathesis process per service, all at once (each service is its own process, and
    schemathesis's own workers are threads that break Python 3.11's parser: one each)."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    st = Path(sys.executable).with_name("st")
    runs = {}
    for service in SERVICES:
        with (REPORTS / f"{service}.txt").open("wb") as report:
            runs[service] = subprocess.Popen(
                [str(st), "run", f"{system.url(service)}/openapi.json",
                 "--checks", CHECKS, "--phases", "examples,coverage,fuzzing",
                 "--max-examples", "25", "--generation-deterministic",
                 "--header", f"Authorization: {ADMIN['Authorization']}",
                 "--workers", "1", "--no-color", "--suppress-health-check", "all"],
                stdout=report, stderr=subprocess.STDOUT,
                cwd=REPORTS,  # where the CLI keeps its .schemathesis folder
            )  # fmt: skip
    yield runs
    for process in runs.values():
        process.kill()
        process.wait()


@pytest.mark.parametrize("service", list(SERVICES))
def test_no_server_errors_and_answers_match_the_schema(
    fuzzing: dict[str, subprocess.Popen[bytes]], service: str
) -> None:
    returncode = fuzzing[service].wait(timeout=600)
    out = (REPORTS / f"{service}.txt").read_text()
    assert returncode == 0, out[-6000:]
