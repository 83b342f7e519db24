"""Intake: receives complaints and commands, and emits the complaint's events."""

from typing import Union

from fastapi import FastAPI

from complaint_desk.contract import topics
from complaint_desk.contract.events import registered_event_types
from complaint_desk.contract.events.complaints import (
    CommandRejected,
    PurchaseRequested,
    WorkOrderRequested,
)
from complaint_desk.contract.events.inspections import InspectionScheduled
from complaint_desk.contract.integration import ComplaintCommand, PurchaseUpdate, WorkOrderUpdate
from complaint_desk.shared.runtime import Inbound, Publication, ServiceSpec, create_app

from . import MIGRATIONS
from .api import router
from .archive_api import router as archive_router
from .attachments_api import router as attachments_router
from .mail.receiver import mailbox
from .problems.api import router as problems_router
from .projectors import Archivist, CallbackAnswers, ProblemLinker
from .public.pages import router as public_router
from .public.qr import router as qr_router
from .public.status import router as status_router
from .registry.api import router as registry_router
from .retention import retention
from .settings import IntakeSettings
from .subscribers import subscribe

# Every event type of the complaint and dossier streams (both on complaints.events), for the
# topic's documented payload.
ComplaintEvent = Union[  # type: ignore[valid-type]  # noqa: UP007
    tuple(t for t in registered_event_types().values() if t.stream_type in ("complaint", "dossier"))
]

ProblemEvent = Union[  # type: ignore[valid-type]  # noqa: UP007
    tuple(t for t in registered_event_types().values() if t.stream_type == "problem")
]

RegistryEvent = Union[  # type: ignore[valid-type]  # noqa: UP007
    tuple(t for t in registered_event_types().values() if t.stream_type == "registry")
]

PUBLICATIONS = [
    Publication(
        topics.COMPLAINT_EVENTS,
        title="complaints.events:publish",
        description=(
            "Every event of every complaint (ComplaintReceived, SafetyEscalated, "
            "ComplaintClassified, TaskAssigned, CallbackRecorded, ComplaintClosed, ...) and each "
            "closed complaint's DossierSealed (ce_streamtype dossier), as "
            "CloudEvents 1.0 in binary mode (ce_* headers, JSON data; ce_type names the event), "
            "keyed by complaint id so order holds per complaint. Published from the event log, "
            "at least once: dedupe by ce_id or by (ce_subject, ce_streamversion)."
        ),
        schema=ComplaintEvent,
    ),
    Publication(
        topics.WORK_ORDERS,
        title="maintenance.work-orders:publish",
        description=(
            "Work orders for the maintenance system, one per task assigned to maintenance "
            "(and, from the sla service, InspectionWorkOrderRequested: one per inspection "
            "visit). Answer on maintenance.work-order-updates with the task_id."
        ),
        schema=WorkOrderRequested,
    ),
    Publication(
        topics.PURCHASE_REQUESTS,
        title="procurement.purchase-requests:publish",
        description=(
            "Purchase requests for the procurement system, one per task assigned to "
            "procurement, and a problem record's ReplacementRequested (the task_id is the "
            "improvement action's). Answer on procurement.purchase-updates with the task_id."
        ),
        schema=PurchaseRequested,
    ),
    Publication(
        topics.REGISTRY_EVENTS,
        title="registry.events:publish",
        description=(
            "Each site's places and equipment as its registry changes (PlaceRegistered, "
            "AssetRegistered, AssetChanged, AssetRetired, ...), CloudEvents keyed by the "
            "site's registry stream: a maintenance or asset system may mirror them."
        ),
        schema=RegistryEvent,
    ),
    Publication(
        topics.PROBLEM_EVENTS,
        title="problems.events:publish",
        description=(
            "Problem records (ProblemOpened, RootCauseRecorded, ImprovementPlanned, "
            "ImprovementCompleted, VerificationStarted, ProblemVerified, ProblemConfirmed, "
            "ProblemReopened), keyed by problem id; ProblemVerified may come from the sla "
            "service (a watch that ended)."
        ),
        schema=ProblemEvent,
    ),
    Publication(
        topics.INSPECTION_EVENTS,
        title="inspections.events:publish",
        description=(
            "Inspection schedules (InspectionScheduled, InspectionScheduleEnded) keyed by "
            "schedule, and each visit's InspectionCompleted keyed by the visit (its work "
            "order's task_id); the visits' work orders and misses are the sla service's."
        ),
        schema=InspectionScheduled,
    ),
    Publication(
        topics.COMMAND_RESULTS,
        title="complaints.command-results:publish",
        description="Commands from complaints.commands that were refused, with the reason.",
        schema=CommandRejected,
    ),
]


def _signed(kind: str) -> str:
    return (
        f"Plain JSON, signed by an integration granted {kind} (desk-key-id, desk-signature "
        "headers); an unsigned, forged or ungranted message is refused and recorded "
        "(GET /refusals)."
    )


INBOUND = [
    Inbound(
        topics.WORK_ORDER_UPDATES,
        "The maintenance system's answers to WorkOrderRequested and InspectionWorkOrderRequested "
        "(accepted, in progress, completed, cancelled), by task_id; each once, whatever order "
        f"they arrive in. {_signed('WorkOrderUpdate')}",
        [WorkOrderUpdate],
    ),
    Inbound(
        topics.PURCHASE_UPDATES,
        "The procurement system's answers to PurchaseRequested and ReplacementRequested "
        f"(ordered, delivered, cancelled), by task_id. {_signed('PurchaseUpdate')}",
        [PurchaseUpdate],
    ),
    Inbound(
        topics.COMPLAINT_COMMANDS,
        "Commands on complaints from other systems, validated like the HTTP ones; a refused "
        "one is answered with CommandRejected on complaints.command-results. "
        + _signed("the command"),
        [ComplaintCommand],
    ),
]


def build_app(settings: IntakeSettings | None = None) -> FastAPI:
    settings = settings or IntakeSettings()
    return create_app(
        ServiceSpec(
            name="intake",
            title="Complaint intake / 投訴受理",
            description="Receives complaints and commands; emits the complaint lifecycle events.",
            settings=settings,
            migrations={"intake": MIGRATIONS},
            publications=PUBLICATIONS,
            routers=[
                router,
                attachments_router,
                archive_router,
                public_router,
                status_router,
                qr_router,
                registry_router,
                problems_router,
            ],
            projectors=[CallbackAnswers(), Archivist(settings.dossier_seal_key), ProblemLinker()],
            subscribe=subscribe,
            inbound=INBOUND,
            background=[retention, mailbox],
        )
    )
