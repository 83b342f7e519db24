"""The event envelope and the registry of event types: the wire contract's core."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

_REGISTRY: dict[str, type[DomainEvent]] = {}
# (event type, schema version) -> a function turning that version's data into the next one's.
_UPCASTERS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {}

E = TypeVar("E", bound="type[DomainEvent]")


class UnknownEventType(LookupError):
    pass


class DomainEvent(BaseModel):
    """A fact that happened, named in the past tense. Only the business payload lives here;
    identity, time, stream version and provenance live in the :class:`EventEnvelope`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    stream_type: ClassVar[str]
    schema_version: ClassVar[int] = 1


def event(stream_type: str, *, schema_version: int = 1) -> Callable[[E], E]:
    """Class decorator: registers a :class:`DomainEvent` under its class name."""

    def register(cls: E) -> E:
        cls.event_type = cls.__name__
        cls.stream_type = stream_type
        cls.schema_version = schema_version
        if cls.__name__ in _REGISTRY:
            raise ValueError(f"event type {cls.__name__} registered twice")
        _REGISTRY[cls.__name__] = cls
        return cls

    return register


Upcast = Callable[[dict[str, Any]], dict[str, Any]]


def upcaster(event_type: str, from_version: int) -> Callable[[Upcast], Upcast]:
    """Register how data of ``event_type`` at ``from_version`` becomes ``from_version + 1``.
    The log is never rewritten: old events are upcast each time they are read."""

    def register(function: Upcast) -> Upcast:
        if (event_type, from_version) in _UPCASTERS:
            raise ValueError(f"{event_type} v{from_version} has an upcaster already")
        _UPCASTERS[(event_type, from_version)] = function
        return function

    return register


def upcast(event_type: str, schema_version: int, data: dict[str, Any]) -> dict[str, Any]:
    """The data of a stored event in its type's current schema version."""
    current = event_class(event_type).schema_version
    if schema_version > current:
        raise UnknownEventType(
            f"{event_type} v{schema_version} is newer than this service knows (v{current})"
        )
    while schema_version < current:
        step = _UPCASTERS.get((event_type, schema_version))
        if step is None:
            target = schema_version + 1
            raise UnknownEventType(
                f"{event_type} v{schema_version} cannot be read: no upcaster to v{target}"
            )
        data = step(dict(data))
        schema_version += 1
    return data


def event_class(event_type: str) -> type[DomainEvent]:
    try:
        return _REGISTRY[event_type]
    except KeyError:
        raise UnknownEventType(f"unknown event type {event_type!r}") from None


def registered_event_types() -> dict[str, type[DomainEvent]]:
    return dict(_REGISTRY)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Metadata(BaseModel):
    """Who caused a change, where, and as part of which conversation."""

    model_config = ConfigDict(frozen=True)

    site_id: str
    actor: str
    correlation_id: UUID = Field(default_factory=uuid4)
    causation_id: UUID | None = None
    # The system (or admin) that relayed the actor's action: the maintenance system's reply
    # for its technician, an integration's command for a named officer. None: the actor's own.
    relayed_by: str | None = None
    # The W3C trace context (traceparent) it happens in: the events it causes share the trace.
    traceparent: str | None = None


class EventEnvelope(BaseModel):
    """A recorded event: the payload with its identity, stream position and provenance."""

    model_config = ConfigDict(frozen=True)

    event_id: UUID
    event_type: str
    stream_type: str
    stream_id: UUID
    version: int = Field(ge=1)
    occurred_at: AwareDatetime
    site_id: str
    actor: str
    correlation_id: UUID
    causation_id: UUID | None = None
    relayed_by: str | None = None
    traceparent: str | None = None
    schema_version: int = Field(ge=1)
    data: dict[str, Any]
    position: int | None = None

    @property
    def key(self) -> tuple[str, UUID]:
        """The stream this event belongs to."""
        return (self.stream_type, self.stream_id)

    @field_validator("occurred_at")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @classmethod
    def wrap(
        cls,
        payload: DomainEvent,
        *,
        stream_id: UUID,
        version: int,
        metadata: Metadata,
        occurred_at: datetime | None = None,
    ) -> EventEnvelope:
        # Built without re-validation: every field comes from validated models or from us.
        return cls.model_construct(
            event_id=uuid4(),
            event_type=payload.event_type,
            stream_type=payload.stream_type,
            stream_id=stream_id,
            version=version,
            occurred_at=(occurred_at or utcnow()).astimezone(UTC),
            site_id=metadata.site_id,
            actor=metadata.actor,
            correlation_id=metadata.correlation_id,
            causation_id=metadata.causation_id,
            relayed_by=metadata.relayed_by,
            traceparent=metadata.traceparent,
            schema_version=payload.schema_version,
            data=payload.model_dump(mode="json"),
            position=None,
        )

    def payload(self) -> DomainEvent:
        """The typed payload, upcast to the current schema version. Raises
        :class:`UnknownEventType` or a validation error."""
        data = upcast(self.event_type, self.schema_version, self.data)
        return event_class(self.event_type).model_validate(data)

    def caused(self) -> Metadata:
        """Metadata for an event that this one causes: same conversation, this as the cause."""
        return Metadata(
            site_id=self.site_id,
            actor=self.actor,
            correlation_id=self.correlation_id,
            causation_id=self.event_id,
            traceparent=self.traceparent,
        )  # not relayed_by: what this event causes is the reacting service's own doing
