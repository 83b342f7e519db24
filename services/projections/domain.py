"""How events change the register's row: pure functions, no I/O."""

from shared.events import EventEnvelope

# The register's status after each lifecycle event; events not listed leave it unchanged.
STATUS_AFTER: dict[str, str] = {
    "ComplaintReceived": "received",
}


def status_after(event: EventEnvelope, current: str) -> str:
    return STATUS_AFTER.get(event.event_type, current)
