"""The projections' rebuilders: the same folds as the live projectors, over the stored log."""

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar
from uuid import UUID

import asyncpg
import orjson

from complaint_desk.contract.events import upcast
from complaint_desk.shared.rebuild import Rows

from .domain import (
    REGISTER_COLUMNS,
    SLA_STATE_COLUMNS,
    TIMELINE_COLUMNS,
    Row,
    StoredEvent,
    fold_complaint,
    fold_sla,
    timeline_row,
)
from .projectors import ComplaintRegister, Timeline


def _event(row: asyncpg.Record, data: Any) -> StoredEvent:
    get = row.get  # a column the rebuilder did not ask for reads as None
    return StoredEvent(
        row["position"], get("event_id"), row["event_type"], row["stream_type"],
        row["stream_id"], row["version"], row["occurred_at"], get("actor"),
        get("correlation_id"), get("causation_id"), data, get("relayed_by"),
    )  # fmt: skip


class RegisterRebuild:
    """The register (complaints and their SLA state), folded in memory and written at the end:
    a complaint's row changes with most of its events, so each is written once."""

    name = ComplaintRegister.name
    stream_types = ComplaintRegister.stream_types
    schema = "projections"
    tables: ClassVar[Mapping[str, Sequence[str]]] = {
        "complaints": REGISTER_COLUMNS,
        "sla_state": SLA_STATE_COLUMNS,
    }
    keys: ClassVar[Mapping[str, str]] = {"complaints": "id", "sla_state": "complaint_id"}
    columns = ("event_type", "occurred_at", "schema_version", "data")

    def __init__(self, contact_secret: str) -> None:
        self.contact_secret = contact_secret
        self.complaints: dict[UUID, Row] = {}
        self.sla: dict[UUID, Row] = {}
        self.dirty: set[tuple[str, UUID]] = set()

    def take(self, row: asyncpg.Record) -> None:
        event = _event(
            row, upcast(row["event_type"], row["schema_version"], orjson.loads(row["data"]))
        )
        sid = event.stream_id
        if event.stream_type == "sla":
            after = fold_sla(self.sla.get(sid), event)
            if after is not None:
                self.sla[sid] = after
                self.dirty.add(("sla_state", sid))
            return
        self.complaints[sid] = fold_complaint(self.complaints.get(sid), event, self.contact_secret)
        self.dirty.add(("complaints", sid))

    def flush(self, final: bool) -> Rows:
        if not final:
            return {}
        out: Rows = {"complaints": [], "sla_state": []}
        for table, sid in self.dirty:
            if table == "complaints":
                row = self.complaints[sid]
                out[table].append(tuple(row[c] for c in REGISTER_COLUMNS))
            else:
                row = self.sla[sid]
                out[table].append(tuple(row[c] for c in SLA_STATE_COLUMNS))
        self.dirty.clear()
        return out


class TimelineRebuild:
    """The timeline: one row per event, streamed out batch by batch."""

    name = Timeline.name
    stream_types = Timeline.stream_types
    schema = "projections"
    tables: ClassVar[Mapping[str, Sequence[str]]] = {"timeline": TIMELINE_COLUMNS}
    keys: ClassVar[Mapping[str, str]] = {}
    columns = (
        "event_id", "event_type", "occurred_at", "actor", "correlation_id", "causation_id",
        "relayed_by", "data",
    )  # fmt: skip

    def __init__(self) -> None:
        self.pending: list[tuple[Any, ...]] = []

    def take(self, row: asyncpg.Record) -> None:
        self.pending.append(timeline_row(_event(row, None), row["data"]))

    def flush(self, final: bool) -> Rows:
        out, self.pending = self.pending, []
        return {"timeline": out}


def rebuilders(contact_secret: str) -> dict[str, Any]:
    """Each rebuildable projection by the name the CLI takes."""
    return {
        "register": lambda: RegisterRebuild(contact_secret),
        "timeline": TimelineRebuild,
    }
