"""Intake's subscribers on other systems' topics. Their payload types are the contract the
AsyncAPI document shows; a payload that does not fit is parked by the runtime."""

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from complaint_desk.contract import topics
from complaint_desk.contract.integration import ComplaintCommand, PurchaseUpdate, WorkOrderUpdate
from complaint_desk.shared import metrics
from complaint_desk.shared.dead_letters import park_message
from complaint_desk.shared.runtime import ServiceRuntime

from .authenticity import REFUSAL_REASONS, Refused, refuse, sender
from .integration import Unprocessable, handle_command, handle_task_update
from .service import COMMANDS
from .settings import IntakeSettings

# Where a well-formed update about nothing we know is parked, by the system that sent it.
PARKED_AS = {"maintenance": "intake.work-order-updates", "procurement": "intake.purchase-updates"}


INBOUND = (topics.WORK_ORDER_UPDATES, topics.PURCHASE_UPDATES, topics.COMPLAINT_COMMANDS)


def subscribe(broker: KafkaBroker, runtime: ServiceRuntime) -> None:
    metrics.at_zero(metrics.AUTH_REFUSED, [(t, r) for t in INBOUND for r in REFUSAL_REASONS])

    async def task_update(
        msg: KafkaMessage, source: str, update: WorkOrderUpdate | PurchaseUpdate
    ) -> None:
        """An update from the system that signed it, if it may send this kind; else refused."""
        try:
            principal = await sender(runtime, msg)
        except Refused:
            return
        kind = type(update).__name__
        if not principal.may_send(kind):
            await refuse(runtime, msg, f"not granted: {kind}", principal.name)
            return
        try:
            await handle_task_update(runtime.uow, source, update, principal)
        except Unprocessable as exc:
            await park_message(runtime.pool, PARKED_AS[source], msg.raw_message, str(exc))

    async def on_work_order_update(update: WorkOrderUpdate, msg: KafkaMessage) -> None:
        """The maintenance system's answers to WorkOrderRequested: accepted, in progress,
        completed or cancelled, signed by an integration granted WorkOrderUpdate. They become
        TaskProgressed / TaskCompleted / TaskCancelled on the complaint, once each, whatever
        order they arrive in."""
        await task_update(msg, "maintenance", update)

    async def on_purchase_update(update: PurchaseUpdate, msg: KafkaMessage) -> None:
        """The procurement system's answers to PurchaseRequested: ordered, delivered or
        cancelled, signed by an integration granted PurchaseUpdate; handled like the
        maintenance updates."""
        await task_update(msg, "procurement", update)

    async def on_command(command: ComplaintCommand, msg: KafkaMessage) -> None:
        """Commands on complaints from other systems, validated like the HTTP ones and
        signed by an integration granted the command. A refused command is answered with
        CommandRejected on complaints.command-results."""
        settings = runtime.settings
        assert isinstance(settings, IntakeSettings)
        try:
            principal = await sender(runtime, msg)
        except Refused:
            return
        if command.command in COMMANDS and not principal.may_command(command.command):
            await refuse(runtime, msg, f"not granted: {command.command}", principal.name)
            return
        await handle_command(
            runtime.uow,
            command,
            reopen_window_days=settings.reopen_window_days,
            sites=principal.sites,
            sender=principal.name,
            console_base_url=settings.console_base_url,
        )

    # Registered by call, not as decorators: FastStream's decorator is untyped.
    for topic, group, title, handler in (
        (topics.WORK_ORDER_UPDATES, "intake.work-order-updates",
         "maintenance.work-order-updates:consume", on_work_order_update),
        (topics.PURCHASE_UPDATES, "intake.purchase-updates",
         "procurement.purchase-updates:consume", on_purchase_update),
        (topics.COMPLAINT_COMMANDS, "intake.commands", "complaints.commands:consume", on_command),
    ):  # fmt: skip
        broker.subscriber(topic, **runtime.subscriber_options(group), title=title)(handler)
