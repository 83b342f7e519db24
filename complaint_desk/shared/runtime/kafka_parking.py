"""The middleware every Kafka subscriber of a service runs under: a message that does not fit
its contract is parked, other failures wait a moment before the redelivery."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from faststream import BaseMiddleware
from pydantic import ValidationError

from complaint_desk.shared.dead_letters import park_message

if TYPE_CHECKING:
    from complaint_desk.shared.runtime.runtime import ServiceRuntime

log = logging.getLogger(__name__)


def parking_middleware(runtime: ServiceRuntime) -> type[BaseMiddleware]:
    class ParkUnreadable(BaseMiddleware):
        """A message whose payload does not fit its topic's contract is parked with the
        reason, not retried forever: the partition moves on. Any other failure is trouble in
        the infrastructure: wait a little before the message is redelivered."""

        async def consume_scope(self, call_next: Any, msg: Any) -> Any:
            try:
                return await call_next(msg)
            except ValidationError as exc:
                record = msg.raw_message
                await park_message(
                    runtime.pool,
                    f"inbound:{record.topic}",
                    record,
                    f"payload does not fit the contract: {exc.errors()[:5]}",
                )
                return None
            except Exception as exc:
                record = msg.raw_message
                if isinstance(record, tuple | list):  # a batch of our own events: the first
                    record = record[0]
                log.warning(
                    "message failed; it will be redelivered or caught up from the log",
                    extra={
                        "topic": record.topic,
                        "partition": record.partition,
                        "offset": record.offset,
                        "error": type(exc).__name__,
                    },
                )
                await asyncio.sleep(1.0)
                raise

    return ParkUnreadable
