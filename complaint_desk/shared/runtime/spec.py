"""What a service declares about itself; the runtime does the rest."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from faststream.kafka import KafkaBroker

from complaint_desk.shared.consumer import Projector
from complaint_desk.shared.settings import ServiceSettings

if TYPE_CHECKING:
    from complaint_desk.shared.runtime.runtime import ServiceRuntime


@dataclass(frozen=True)
class Publication:
    """A topic a service writes (through the outbox), for the AsyncAPI document."""

    topic: str
    title: str
    description: str
    schema: Any = None


@dataclass(frozen=True)
class Inbound:
    """Another system's topic a service reads (plain JSON, signed by the sender), for the
    AsyncAPI document: what it carries."""

    topic: str
    description: str
    payloads: Sequence[type[Any]] = ()


@dataclass
class ServiceSpec:
    """A service, declaratively: its migrations, projectors, topics, routes and jobs."""

    name: str
    title: str
    description: str
    settings: ServiceSettings
    migrations: dict[str, Path] = field(default_factory=dict)
    projectors: Sequence[Projector] = ()
    publications: Sequence[Publication] = ()
    routers: Sequence[APIRouter] = ()
    # Registers the service's own typed subscribers (other systems' topics) on a new broker,
    # and says what those topics carry.
    subscribe: Callable[[KafkaBroker, ServiceRuntime], None] | None = None
    inbound: Sequence[Inbound] = ()
    # Long-running jobs of the service (e.g. the SLA timer loop), started with it.
    background: Sequence[Callable[[ServiceRuntime], Awaitable[None]]] = ()
