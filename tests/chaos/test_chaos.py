"""The fault-injection suite's short profile, in every test run, on the embedded broker and on
three Apache Kafka brokers (whose kills, pause and rolling restart replace the embedded one's
emptying restart): the report must close with "N acknowledged, 0 lost, 0 duplicated" and every
check and recovery must pass."""

import asyncio
import dataclasses

import pytest

from .run import PROFILES, run

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    "kafka_brokers", [0, 3], ids=["embedded broker", "three Apache Kafka brokers"]
)
async def test_the_short_profile_loses_nothing_and_doubles_nothing(kafka_brokers: int) -> None:
    profile = dataclasses.replace(PROFILES["short"], kafka_brokers=kafka_brokers)
    async with asyncio.timeout(1200):  # fail, never hang the test run
        report = await run(profile, progress=False)
    text = "\n".join(report.lines())
    print(text)
    assert report.acknowledged > 0 and report.lost == 0 and report.duplicated == 0, text
    assert report.ok, text
    assert text.endswith(f"{report.acknowledged} acknowledged, 0 lost, 0 duplicated")
