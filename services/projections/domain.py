"""How events change the register's row: pure functions, no I/O."""

from shared.events import EventEnvelope, Status, status_after


def next_status(event: EventEnvelope, current: str) -> str:
    """The register's status after ``event``, by the same machine the aggregate uses."""
    return status_after(Status(current), event.payload()).value
