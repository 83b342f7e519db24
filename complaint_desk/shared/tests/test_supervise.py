"""supervise(): a background job survives its failures, backs off while they last, and ends
only when cancelled."""

import asyncio
import logging

import pytest

from complaint_desk.shared.supervise import supervise


class Stop(BaseException):
    """Ends the job from inside the fake sleep, the way cancellation would."""


async def test_a_failing_step_is_logged_and_retried_with_back_off_then_resets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outcomes = iter([ValueError("down"), ValueError("down"), ValueError("down"), None, None])
    pauses: list[float] = []

    async def step() -> None:
        outcome = next(outcomes)
        if outcome is not None:
            raise outcome

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 5:
            raise Stop

    with caplog.at_level(logging.WARNING), pytest.raises(Stop):
        await supervise("probe", step, every=1.0, retry_after=0.5, backoff_to=1.5, sleep=sleep)
    assert pauses == [0.5, 1.0, 1.5, 1.0, 1.0]
    failures = [r for r in caplog.records if r.getMessage() == "probe failed"]
    assert len(failures) == 3 and all(r.error == "ValueError" for r in failures)  # type: ignore[attr-defined]


async def test_the_step_may_choose_its_pause_and_cancelling_ends_the_job() -> None:
    pauses: list[float] = []
    pausing = asyncio.Event()

    async def step() -> float:
        return 0.25

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)
        pausing.set()
        await asyncio.Event().wait()  # until cancelled

    job = asyncio.create_task(supervise("probe", step, every=5.0, sleep=sleep))
    await pausing.wait()
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    assert pauses == [0.25]
