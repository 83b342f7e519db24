"""Intake: receives complaints and commands, and emits the complaint's events."""

from pathlib import Path

from shared import topics
from shared.events import ComplaintReceived
from shared.service import Publication, ServiceSpec, create_app

from .api import router
from .settings import IntakeSettings


def build_app(settings: IntakeSettings | None = None):  # type: ignore[no-untyped-def]
    settings = settings or IntakeSettings()
    return create_app(
        ServiceSpec(
            name="intake",
            title="Complaint intake / 投訴受理",
            description="Receives complaints and commands; emits the complaint lifecycle events.",
            settings=settings,
            migrations={"intake": Path(__file__).parent / "sql"},
            publications=[
                Publication(
                    topics.COMPLAINT_EVENTS,
                    title="complaints.events:publish",
                    description=(
                        "Every event of every complaint, as CloudEvents 1.0 in binary mode "
                        "(ce_* headers, JSON data), keyed by complaint id so order holds per "
                        "complaint. Published from the transactional outbox, at least once."
                    ),
                    schema=ComplaintReceived,
                )
            ],
            routers=[router],
        )
    )
