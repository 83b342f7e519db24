"""The runtime every service shares: :class:`ServiceSpec` declares a service,
:func:`create_app` runs it (database and migrations, Kafka clients on the consumer base,
outbox relay, catch-up, gauges, operations routes), :mod:`.deps` gives handlers typed access
to it, and :func:`supervise` keeps a background job going."""

from complaint_desk.shared.runtime.app import create_app
from complaint_desk.shared.runtime.runtime import NotStarted, ServiceRuntime
from complaint_desk.shared.runtime.spec import Inbound, Publication, ServiceSpec
from complaint_desk.shared.supervise import supervise

__all__ = [
    "Inbound",
    "NotStarted",
    "Publication",
    "ServiceRuntime",
    "ServiceSpec",
    "create_app",
    "supervise",
]
