"""SLA: a deadline per complaint and severity level."""

from pathlib import Path

from shared.service import ServiceSpec, create_app

from .api import router
from .handlers import ResponseClock
from .settings import SlaSettings


def build_app(settings: SlaSettings | None = None):  # type: ignore[no-untyped-def]
    settings = settings or SlaSettings()
    return create_app(
        ServiceSpec(
            name="sla",
            title="SLA timers / 時效管理",
            description="Keeps a deadline for each complaint by severity level.",
            settings=settings,
            migrations={"sla": Path(__file__).parent / "sql"},
            projectors=[ResponseClock()],
            routers=[router],
        )
    )
