"""Projections: read models built from the append-only log."""

from fastapi import FastAPI

from complaint_desk.contract import topics
from complaint_desk.contract.events.reports import PeriodicReportIssued
from complaint_desk.shared.runtime import Publication, ServiceRuntime, ServiceSpec, create_app

from . import MIGRATIONS
from .analysis import router as analysis_router
from .api import router
from .console.boards import router as boards_router
from .console.directory import router as directory_router
from .console.files import router as files_router
from .console.inspections import router as inspections_page_router
from .console.live import ChangeFeed
from .console.live import router as live_router
from .console.pages import router as console_router
from .console.problems import router as problems_page_router
from .console.qr import router as qr_router
from .console.register import router as register_router
from .console.registry import router as registry_router
from .console.report_pages import router as report_pages_router
from .console.signin import router as signin_router
from .console.sla_setup import router as sla_setup_router
from .console.tasks import router as tasks_router
from .console.users import router as users_router
from .evaluation import router as evaluation_router
from .learning import Learning
from .learning_api import router as learning_router
from .open311.api import router as open311_router
from .projectors import ComplaintRegister, Timeline
from .reports import service as reports
from .reports.api import router as reports_router
from .settings import ProjectionsSettings


def build_app(settings: ProjectionsSettings | None = None) -> FastAPI:
    settings = settings or ProjectionsSettings()
    changes = ChangeFeed()

    async def periodic_reports(runtime: ServiceRuntime) -> None:
        await reports.run(runtime.pool, settings)

    app = create_app(
        ServiceSpec(
            name="projections",
            title="Projections / 查詢與報表",
            description=(
                "Read models of the complaint log: the register and each complaint's history."
            ),
            settings=settings,
            migrations={"projections": MIGRATIONS},
            publications=[
                Publication(
                    topics.REPORT_EVENTS,
                    title="reports.events:publish",
                    description=(
                        "PeriodicReportIssued, once per site (or * for the organisation) and "
                        "week or month, with its headline figures and where the console "
                        "offers its PDF and CSV; notify sends it to supervisors and managers."
                    ),
                    schema=PeriodicReportIssued,
                )
            ],
            projectors=[ComplaintRegister(settings.contact_key_secret), Timeline(), Learning()],
            routers=[
                learning_router,
                reports_router,
                files_router,  # before the console's /console/complaints/{id}/{action}
                router,
                open311_router,
                evaluation_router,
                analysis_router,
                signin_router,
                register_router,
                console_router,
                boards_router,
                tasks_router,
                live_router,
                users_router,
                directory_router,
                sla_setup_router,
                qr_router,
                registry_router,
                problems_page_router,
                inspections_page_router,
                report_pages_router,
            ],
            background=[changes.run, periodic_reports],
        )
    )
    app.state.changes = changes
    app.state.sign_in_path = "/console/sign-in"
    return app
