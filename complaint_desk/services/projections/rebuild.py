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
from .learning import (
    PROBLEM_COLUMNS,
    SCHEDULE_COLUMNS,
    TRAINING_COLUMNS,
    VISIT_COLUMNS,
    Learning,
    attitude_training,
    improvement_training,
    problem_row,
    schedule_row,
    visit_row,
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


JSON_COLUMNS = frozenset({"actions", "plan"})


class LearningRebuild:
    """Problem records, inspection schedules and visits, and training records: the same folds
    as the live projector, each row written once at the end."""

    name = Learning.name
    stream_types = Learning.stream_types
    schema = "projections"
    tables: ClassVar[Mapping[str, Sequence[str]]] = {
        "problems": PROBLEM_COLUMNS, "inspection_schedules": SCHEDULE_COLUMNS,
        "inspection_visits": VISIT_COLUMNS, "training": TRAINING_COLUMNS,
    }  # fmt: skip
    keys: ClassVar[Mapping[str, str]] = {
        "problems": "problem_id", "inspection_schedules": "schedule_id",
        "inspection_visits": "visit_id", "training": "training_id",
    }  # fmt: skip
    columns = ("event_type", "occurred_at", "site_id", "data")
    # Of the complaints, only what a training record needs.
    _COMPLAINT_TYPES = frozenset(
        {"ComplaintReceived", "ResolutionProposed", "ResolutionAccepted", "ComplaintResolved"}
    )

    def __init__(self) -> None:
        self.problems: dict[UUID, list[tuple[StoredEvent, dict[str, Any]]]] = {}
        self.rows: dict[str, dict[UUID, dict[str, Any]]] = {t: {} for t in self.tables}
        self.staff: dict[UUID, str] = {}  # complaints that named a staff member
        self.retraining: dict[UUID, dict[str, Any]] = {}  # their plans with a retraining
        self.dirty: set[tuple[str, UUID]] = set()

    def _put(self, table: str, key: UUID, row: dict[str, Any]) -> None:
        self.rows[table][key] = row
        self.dirty.add((table, key))

    def _change(self, table: str, key: UUID, **fields: Any) -> None:
        row = self.rows[table].get(key)
        if row is not None:
            for name, value in fields.items():
                row[name] = row.get(name) or value
            self.dirty.add((table, key))

    def take(self, row: asyncpg.Record) -> None:
        kind, event_type = row["stream_type"], row["event_type"]
        if kind == "complaint" and event_type not in self._COMPLAINT_TYPES:
            return
        event = _event(row, None)
        d = orjson.loads(row["data"])
        sid, site = event.stream_id, row["site_id"]
        if kind == "problem":
            history = self.problems.setdefault(sid, [])
            history.append((event, d))
            self._put("problems", sid, problem_row(sid, history))
            if event_type == "ImprovementPlanned":
                trained = improvement_training(event, site, d)
                if trained:
                    self._put("training", trained["training_id"], {**trained, "done_at": None})
            elif event_type == "ImprovementCompleted":
                self._change("training", UUID(d["action_id"]), done_at=event.occurred_at)
        elif kind == "inspection":
            self._inspection(event, d)
        elif event_type == "ComplaintReceived" and d.get("about_staff"):
            self.staff[sid] = d["about_staff"]
        elif event_type == "ResolutionProposed" and d.get("retraining") and sid in self.staff:
            self.retraining[UUID(d["resolution_id"])] = d
        elif event_type == "ResolutionAccepted":
            proposed = self.retraining.get(UUID(d["resolution_id"]))
            trained = attitude_training(event, site, self.staff.get(sid), proposed)
            if trained:
                self._put("training", trained["training_id"], {**trained, "done_at": None})
        elif event_type == "ComplaintResolved":
            for key, r in self.rows["training"].items():
                if r["source"] == "complaint" and r["ref"] == sid:
                    self._change("training", key, done_at=event.occurred_at)

    def _inspection(self, event: StoredEvent, d: dict[str, Any]) -> None:
        sid = event.stream_id
        match event.event_type:
            case "InspectionScheduled":
                self._put("inspection_schedules", sid, {**schedule_row(event, d), "ended": False})
            case "InspectionScheduleEnded":
                self._change("inspection_schedules", sid, ended=True)
            case "InspectionWorkOrderRequested":
                row = {**visit_row(event, d), "done_at": None, "missed_at": None}
                self._put("inspection_visits", sid, row)
            case "InspectionCompleted":
                self._change("inspection_visits", sid, done_at=event.occurred_at)
            case "InspectionMissed":
                self._change("inspection_visits", sid, missed_at=event.occurred_at)

    def flush(self, final: bool) -> Rows:
        if not final:
            return {}
        out: Rows = {t: [] for t in self.tables}
        for table, key in self.dirty:
            row = self.rows[table][key]
            # The rebuild's connection has no JSON codec: JSON columns are written as text.
            out[table].append(tuple(
                orjson.dumps(row[c]).decode() if c in JSON_COLUMNS else row[c]
                for c in self.tables[table]
            ))  # fmt: skip
        self.dirty.clear()
        return out


def rebuilders(contact_secret: str) -> dict[str, Any]:
    """Each rebuildable projection by the name the CLI takes."""
    return {
        "register": lambda: RegisterRebuild(contact_secret),
        "timeline": TimelineRebuild,
        "learning": LearningRebuild,
    }
