"""Evolving an event's schema: old versions stay in the log and are upcast when read."""

from uuid import uuid4

import pytest

from complaint_desk.contract.events import (
    DomainEvent,
    EventEnvelope,
    Metadata,
    UnknownEventType,
    event,
    upcaster,
)


@event("complaint", schema_version=3)
class MeterRead(DomainEvent):
    """Test-only. v1 had ``reading`` in litres as text; v2 named it ``litres``; v3 adds a unit."""

    litres: float
    unit: str


@upcaster("MeterRead", 1)
def _v1_to_v2(data: dict) -> dict:  # type: ignore[type-arg]
    return {"litres": float(data.pop("reading"))}


@upcaster("MeterRead", 2)
def _v2_to_v3(data: dict) -> dict:  # type: ignore[type-arg]
    return {**data, "unit": "L"}


def _stored(version: int, data: dict) -> EventEnvelope:  # type: ignore[type-arg]
    fresh = EventEnvelope.wrap(
        MeterRead(litres=1, unit="L"),
        stream_id=uuid4(),
        version=1,
        metadata=Metadata(site_id="HQ", actor="t"),
    )
    return fresh.model_copy(update={"schema_version": version, "data": data})


def test_old_versions_are_upcast_step_by_step_when_read() -> None:
    assert _stored(1, {"reading": "12.5"}).payload() == MeterRead(litres=12.5, unit="L")
    assert _stored(2, {"litres": 3.0}).payload() == MeterRead(litres=3.0, unit="L")
    assert _stored(3, {"litres": 1.0, "unit": "mL"}).payload().unit == "mL"  # type: ignore[attr-defined]


def test_a_version_without_an_upcaster_is_refused_clearly() -> None:
    @event("complaint", schema_version=2)
    class Orphan(DomainEvent):
        value: int

    orphan = EventEnvelope.wrap(Orphan(value=1), stream_id=uuid4(), version=1,
                                metadata=Metadata(site_id="HQ", actor="t"))  # fmt: skip
    with pytest.raises(UnknownEventType, match="no upcaster to v2"):
        orphan.model_copy(update={"schema_version": 1}).payload()
    with pytest.raises(UnknownEventType, match="newer than this service knows"):
        orphan.model_copy(update={"schema_version": 3}).payload()
    with pytest.raises(ValueError, match="has an upcaster already"):
        upcaster("MeterRead", 1)(lambda d: d)
