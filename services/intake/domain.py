"""The complaint aggregate: pure logic, no I/O. Commands are validated against the state
rebuilt from the complaint's events, and record new events for the handler to save."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID
from zoneinfo import ZoneInfo

from shared.events import ComplaintReceived, DomainEvent

from .commands import ReceiveComplaint


class Status(StrEnum):
    NEW = "new"
    RECEIVED = "received"


def complaint_number(site: str, local_day: str, sequence: int) -> str:
    """The register's human number: site, local day, and the day's sequence, e.g.
    ``HQ-20261129-0007``."""
    return f"{site}-{local_day}-{sequence:04d}"


def local_day(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y%m%d")


@dataclass
class Complaint:
    id: UUID
    version: int = 0
    status: Status = Status.NEW
    number: str | None = None
    site: str | None = None
    pending: list[DomainEvent] = field(default_factory=list)

    @classmethod
    def rebuild(cls, complaint_id: UUID, history: Iterable[DomainEvent]) -> Complaint:
        complaint = cls(complaint_id)
        for event in history:
            complaint._apply(event)
            complaint.version += 1
        return complaint

    @classmethod
    def receive(
        cls, complaint_id: UUID, command: ReceiveComplaint, *, number: str, now: datetime
    ) -> Complaint:
        complaint = cls(complaint_id)
        complaint._record(ComplaintReceived(number=number, received_at=now, **command.model_dump()))
        return complaint

    @property
    def saved_version(self) -> int:
        """The version of the stream before the pending events."""
        return self.version - len(self.pending)

    def _record(self, event: DomainEvent) -> None:
        self._apply(event)
        self.version += 1
        self.pending.append(event)

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case ComplaintReceived():
                self.status = Status.RECEIVED
                self.number = event.number
                self.site = event.site
