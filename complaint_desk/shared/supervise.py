"""One way to keep a background job going: run a step, pause, run it again, for ever; a failed
step is logged and retried, never the end of the job."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[Any]]


async def supervise(
    job: str,
    step: Callable[[], Awaitable[float | None]],
    *,
    every: float,
    retry_after: float | None = None,
    backoff_to: float | None = None,
    level: int = logging.WARNING,
    sleep: Sleep = asyncio.sleep,
) -> NoReturn:
    """Run ``step`` for ever. After a success, wait what it returns (``every`` if None).
    After a failure, log ``"<job> failed"`` at ``level`` and wait ``retry_after`` (``every``
    if None), doubled after each further failure up to ``backoff_to``. Cancelling the task
    is the only way out."""
    first_retry = every if retry_after is None else retry_after
    retry = first_retry
    while True:
        try:
            pause = await step()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.log(
                level,
                f"{job} failed",
                extra={"job": job, "error": type(exc).__name__, "retry_in_s": retry},
            )
            await sleep(retry)
            if backoff_to is not None:
                retry = min(retry * 2, backoff_to)
            continue
        retry = first_retry
        await sleep(every if pause is None else pause)
