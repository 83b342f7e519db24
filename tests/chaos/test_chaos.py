"""The fault-injection suite's short profile, in every test run: the report must close with
"N acknowledged, 0 lost, 0 duplicated" and every check and recovery must pass."""

import asyncio

import pytest

from .run import PROFILES, run

pytestmark = pytest.mark.e2e


async def test_the_short_profile_loses_nothing_and_doubles_nothing() -> None:
    async with asyncio.timeout(1200):  # fail, never hang the test run
        report = await run(PROFILES["short"], progress=False)
    text = "\n".join(report.lines())
    print(text)
    assert report.acknowledged > 0 and report.lost == 0 and report.duplicated == 0, text
    assert report.ok, text
    assert text.endswith(f"{report.acknowledged} acknowledged, 0 lost, 0 duplicated")
