"""SLA: a durable timer for each deadline of each complaint, by severity level."""

from fastapi import FastAPI

from complaint_desk.contract import topics
from complaint_desk.contract.events.inspections import InspectionWorkOrderRequested
from complaint_desk.contract.events.sla import SlaBreached
from complaint_desk.shared.runtime import Publication, ServiceRuntime, ServiceSpec, create_app

from . import MIGRATIONS
from .api import router
from .projectors import SlaClocks, Upkeep
from .service import count_known_sites_from_zero, run_timers
from .settings import SlaSettings


def build_app(settings: SlaSettings | None = None) -> FastAPI:
    settings = settings or SlaSettings()

    async def timers(runtime: ServiceRuntime) -> None:
        await run_timers(
            runtime.uow,
            poll_seconds=settings.timer_poll_seconds,
            batch_size=settings.timer_batch_size,
            defaults=settings.defaults,
        )

    async def counters(runtime: ServiceRuntime) -> None:
        await count_known_sites_from_zero(runtime.uow)

    return create_app(
        ServiceSpec(
            name="sla",
            title="SLA timers / 時效管理",
            description=(
                "Keeps a response and a resolution clock for each complaint by severity level, "
                "on the site's business calendar, and fires warnings and breaches once each."
            ),
            settings=settings,
            migrations={"sla": MIGRATIONS},
            projectors=[SlaClocks(settings.defaults), Upkeep(settings.defaults)],
            publications=[
                Publication(
                    topics.SLA_EVENTS,
                    title="sla.events:publish",
                    description=(
                        "SlaClockStarted, SlaPaused, SlaResumed, SlaRecalculated, "
                        "SlaWarningReached, SlaBreached, SlaMet, SlaStopped, keyed by complaint "
                        "id; SlaPolicyChanged and SlaCalendarChanged. CloudEvents binary mode."
                    ),
                    schema=SlaBreached,
                ),
                Publication(
                    topics.INSPECTION_EVENTS,
                    title="inspections.events:publish",
                    description=(
                        "Each inspection visit's InspectionWorkOrderRequested (also on "
                        "maintenance.work-orders) and InspectionMissed, keyed by the visit; "
                        "schedules' InspectionScheduled and InspectionCompleted come from intake."
                    ),
                    schema=InspectionWorkOrderRequested,
                ),
            ],
            routers=[router],
            background=[timers, counters],
        )
    )
