"""Schemathesis against each service's OpenAPI, on the running system: whatever a client
sends, no 500s, and every answer matches the schema the service publishes."""

import asyncio
import os
import sys
from pathlib import Path

import pytest

from complaint_desk.tools.devstack.stack import SERVICES
from conftest import ARTIFACTS
from tests.credentials import ADMIN

from .conftest import System

pytestmark = pytest.mark.e2e

CHECKS = "not_a_server_error,response_schema_conformance"
# Generation is deterministic, so every run sends the same cases: the coverage phase's
# boundary and negative values for every operation, then this many random ones each.
# FUZZ_MAX_EXAMPLES=200 for a deeper run.
MAX_EXAMPLES = os.environ.get("FUZZ_MAX_EXAMPLES", "10")


@pytest.mark.parametrize("service", list(SERVICES))
async def test_no_server_errors_and_answers_match_the_schema(system: System, service: str) -> None:
    report = ARTIFACTS / "fuzz" / f"{service}.txt"
    report.parent.mkdir(parents=True, exist_ok=True)
    st = Path(sys.executable).with_name("st")
    process = await asyncio.create_subprocess_exec(
        str(st), "run", f"{system.url(service)}/openapi.json",
        "--checks", CHECKS, "--phases", "examples,coverage,fuzzing",
        "--max-examples", MAX_EXAMPLES, "--generation-deterministic",
        "--header", f"Authorization: {ADMIN['Authorization']}",
        # One at a time: schemathesis's thread workers break Python 3.11's parser, and four
        # runs at once took twice as long in the suite as one after another.
        "--workers", "1", "--no-color", "--suppress-health-check", "all",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        cwd=report.parent,  # where the CLI keeps its .schemathesis folder
    )  # fmt: skip
    out, _ = await process.communicate()
    report.write_bytes(out)
    assert process.returncode == 0, out.decode()[-6000:]
