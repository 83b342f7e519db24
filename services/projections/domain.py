"""How events change the register's row: pure functions, no I/O."""

from dataclasses import dataclass
from datetime import datetime

from shared.events import EventEnvelope, Status, status_after

SORTS = ("-received_at", "received_at", "number", "-number", "severity", "status")


def next_status(event: EventEnvelope, current: str) -> str:
    """The register's status after ``event``, by the same machine the aggregate uses."""
    return status_after(Status(current), event.payload()).value


@dataclass(frozen=True)
class Facts:
    """What one lifecycle event adds to the register's row (None: unchanged)."""

    severity: str | None = None
    responsibility: str | None = None
    third_party: str | None = None
    category: str | None = None
    safety_escalated: bool = False
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    reopened: bool = False
    cycle: int | None = None


def facts(event: EventEnvelope) -> Facts | None:
    data, at = event.data, event.occurred_at
    match event.event_type:
        case "ComplaintClassified":
            return Facts(
                severity=data["severity"], responsibility=data["responsibility"],
                third_party=data.get("third_party"), category=data["category"],
            )  # fmt: skip
        case "SeverityChanged":
            return Facts(severity=data["severity"])
        case "SafetyEscalated":
            return Facts(safety_escalated=True)
        case "ComplaintAcknowledged":
            return Facts(acknowledged_at=at)
        case "ComplaintResolved":
            return Facts(resolved_at=at)
        case "ComplaintClosed":
            return Facts(closed_at=at)
        case "ComplaintReopened":
            return Facts(reopened=True, cycle=int(data["cycle"]))
    return None


# The SLA state a register row shows, from the SLA events: (state, breached).
SLA_STATE = {
    "SlaClockStarted": ("on_track", False),
    "SlaResumed": ("on_track", False),
    "SlaPaused": ("paused", False),
    "SlaWarningReached": ("warning", False),
    "SlaBreached": ("breached", True),
}


def sla_state(event: EventEnvelope) -> tuple[str, bool] | None:
    """The register's SLA state after an SLA event, and whether it breached."""
    if event.event_type == "SlaMet" and event.data["clock"] == "resolution":
        return "met", bool(event.data["breached"])
    return SLA_STATE.get(event.event_type)
