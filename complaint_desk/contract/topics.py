"""Kafka topic names: the one place they are spelled."""

from typing import Final

COMPLAINT_EVENTS: Final = "complaints.events"
COMMAND_RESULTS: Final = "complaints.command-results"
SLA_EVENTS: Final = "sla.events"
NOTIFY_EVENTS: Final = "notify.events"
REGISTRY_EVENTS: Final = "registry.events"
PROBLEM_EVENTS: Final = "problems.events"
INSPECTION_EVENTS: Final = "inspections.events"
REPORT_EVENTS: Final = "reports.events"

# Which topic carries the events of each kind of stream.
STREAM_TOPICS: Final[dict[str, str]] = {
    "complaint": COMPLAINT_EVENTS,
    "command": COMMAND_RESULTS,
    "sla": SLA_EVENTS,
    "sla_config": SLA_EVENTS,
    "dossier": COMPLAINT_EVENTS,
    "notification": NOTIFY_EVENTS,
    "registry": REGISTRY_EVENTS,
    "problem": PROBLEM_EVENTS,
    "inspection": INSPECTION_EVENTS,
    "report": REPORT_EVENTS,
}

# Integration with other systems (maintenance, procurement, anyone sending commands).
COMPLAINT_COMMANDS: Final = "complaints.commands"
WORK_ORDERS: Final = "maintenance.work-orders"
WORK_ORDER_UPDATES: Final = "maintenance.work-order-updates"
PURCHASE_REQUESTS: Final = "procurement.purchase-requests"
PURCHASE_UPDATES: Final = "procurement.purchase-updates"

# Events also published on another system's topic, besides their stream's own.
INTEGRATION_TOPICS: Final[dict[str, str]] = {
    "WorkOrderRequested": WORK_ORDERS,
    "PurchaseRequested": PURCHASE_REQUESTS,
    "InspectionWorkOrderRequested": WORK_ORDERS,
    "ReplacementRequested": PURCHASE_REQUESTS,
}

ALL_TOPICS: Final[tuple[str, ...]] = (
    COMPLAINT_EVENTS,
    REGISTRY_EVENTS,
    PROBLEM_EVENTS,
    INSPECTION_EVENTS,
    REPORT_EVENTS,
    COMMAND_RESULTS,
    SLA_EVENTS,
    NOTIFY_EVENTS,
    COMPLAINT_COMMANDS,
    WORK_ORDERS,
    WORK_ORDER_UPDATES,
    PURCHASE_REQUESTS,
    PURCHASE_UPDATES,
)


def topic_for(stream_type: str) -> str:
    try:
        return STREAM_TOPICS[stream_type]
    except KeyError:
        raise ValueError(f"no topic is defined for stream type {stream_type!r}") from None
