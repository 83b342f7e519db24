"""What intake's entrypoints call: each command in one transaction, acknowledged once durable."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from shared import metrics
from shared.events import Metadata, utcnow
from shared.uow import UnitOfWork

from .commands import ReceiveComplaint
from .domain import Complaint, complaint_number, local_day
from .repository import ComplaintRepository


@dataclass(frozen=True)
class Receipt:
    complaint_id: UUID
    number: str
    version: int
    received_at: datetime | None
    replayed: bool = False


async def receive_complaint(
    uow: UnitOfWork,
    command: ReceiveComplaint,
    *,
    actor: str,
    number_timezone: str,
    idempotency_key: str | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> Receipt:
    """Record a new complaint. Returns only after ComplaintReceived is committed."""
    complaint_id = uuid4()
    now = clock()
    async with uow() as conn:
        repo = ComplaintRepository(conn)
        if idempotency_key and not await repo.claim_idempotency_key(idempotency_key, complaint_id):
            earlier_id = await repo.complaint_for_key(idempotency_key)
            assert earlier_id is not None
            earlier = await repo.get(earlier_id)
            assert earlier is not None and earlier.number is not None
            return Receipt(earlier_id, earlier.number, earlier.version, None, replayed=True)
        sequence = await repo.next_sequence(command.site, local_day(now, number_timezone))
        number = complaint_number(command.site, local_day(now, number_timezone), sequence)
        complaint = Complaint.receive(complaint_id, command, number=number, now=now)
        await repo.save(complaint, Metadata(site_id=command.site, actor=actor))
    metrics.COMPLAINTS_RECEIVED.labels(command.site, command.category, command.urgency).inc()
    return Receipt(complaint_id, number, complaint.version, now)
