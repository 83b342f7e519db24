"""The runtime every service shares: :class:`ServiceSpec` declares a service,
:func:`create_app` runs it (database and migrations, Kafka clients on the consumer base,
outbox relay, catch-up, gauges, operations routes), :mod:`.deps` gives handlers typed access
to it, and :func:`supervise` keeps a background job going."""

from ..supervise import supervise
from .app import create_app
from .runtime import NotStarted, ServiceRuntime
from .spec import Publication, ServiceSpec

__all__ = [
    "NotStarted",
    "Publication",
    "ServiceRuntime",
    "ServiceSpec",
    "create_app",
    "supervise",
]
