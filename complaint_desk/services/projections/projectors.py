"""The projectors: the consumer base calls each once per event, in stream order."""

from collections.abc import Sequence
from uuid import UUID

from complaint_desk.contract.events import EventEnvelope, upcast
from complaint_desk.shared.consumer import applying
from complaint_desk.shared.db import Connection

from . import repository
from .domain import Row, StoredEvent, fold_complaint, fold_sla, timeline_row


def stored(event: EventEnvelope, *, upcast_data: bool = True) -> StoredEvent:
    """The envelope as the folds read it, its payload upcast to the current schema."""
    assert event.position is not None
    return StoredEvent(
        position=event.position,
        event_id=event.event_id,
        event_type=event.event_type,
        stream_type=event.stream_type,
        stream_id=event.stream_id,
        version=event.version,
        occurred_at=event.occurred_at,
        actor=event.actor,
        correlation_id=event.correlation_id,
        causation_id=event.causation_id,
        relayed_by=event.relayed_by,
        data=(
            upcast(event.event_type, event.schema_version, event.data)
            if upcast_data
            else event.data
        ),
    )


class ComplaintRegister:
    """Builds the complaint register (投訴登記表) from the complaint events, with each
    complaint's SLA state from the SLA events."""

    name = "projections.register"
    stream_types = ("complaint", "sla")
    swappable = True  # a rebuild may swap its tables in (see rebuild.py)

    def __init__(self, contact_secret: str) -> None:
        self.contact_secret = contact_secret

    async def apply(self, conn: Connection, event: EventEnvelope) -> None:
        await self.apply_all(conn, [event])

    async def apply_all(self, conn: Connection, events: Sequence[EventEnvelope]) -> None:
        """The batch folded in memory, as the rebuild folds: the rows it needs read in two
        statements, each row it changes written once (a complaint's row changes with most of
        its events, and a batch often holds several of them)."""
        batch = [stored(event) for event in events]
        sla_ids = {e.stream_id for e in batch if e.stream_type == "sla"}
        firsts: dict[UUID, StoredEvent] = {}
        for e in batch:
            if e.stream_type != "sla":
                firsts.setdefault(e.stream_id, e)
        known = [i for i, e in firsts.items() if e.event_type != "ComplaintReceived"]
        complaints: dict[UUID, Row] = await repository.register_rows(conn, known) if known else {}
        slas: dict[UUID, Row] = (
            await repository.sla_state_rows(conn, list(sla_ids)) if sla_ids else {}
        )
        changed_complaints: dict[UUID, Row] = {}
        changed_slas: dict[UUID, Row] = {}
        for event, e in zip(events, batch, strict=True):
            with applying(self.name, event):
                if e.stream_type == "sla":
                    before = slas.get(e.stream_id)
                    after = fold_sla(before, e)
                    if after is not None and after is not before:
                        slas[e.stream_id] = changed_slas[e.stream_id] = after
                    continue
                row = complaints.get(e.stream_id)
                folded = fold_complaint(row, e, self.contact_secret)
                complaints[e.stream_id] = changed_complaints[e.stream_id] = folded
        if changed_complaints:
            await repository.put_register_rows(conn, list(changed_complaints.values()))
        if changed_slas:
            await repository.put_sla_states(conn, list(changed_slas.values()))


class Timeline:
    """Keeps each complaint's timeline: every lifecycle, SLA and notification event, with who,
    when, why and the causation chain, once each."""

    name = "projections.timeline"
    stream_types = ("complaint", "sla", "notification", "dossier")
    swappable = True

    async def apply(self, conn: Connection, event: EventEnvelope) -> None:
        await self.apply_all(conn, [event])

    async def apply_all(self, conn: Connection, events: Sequence[EventEnvelope]) -> None:
        """A batch's entries in one round trip, and the consoles told in one statement."""
        assert all(e.position is not None for e in events)
        await repository.add_to_timeline(
            conn, [timeline_row(stored(e, upcast_data=False), e.data) for e in events]
        )
        await repository.announce_changes(
            conn, [(e.stream_id, e.position or 0, e.event_type) for e in events]
        )
