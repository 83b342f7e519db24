"""What intake does with other systems' messages: maintenance and procurement answering our
requests, and commands on complaints. Each message is handled once (the inbox records it in
the same transaction as its effect); duplicates and late, out-of-order updates change nothing."""

from __future__ import annotations

import logging
import uuid
from enum import StrEnum
from uuid import UUID

from pydantic import ValidationError

from complaint_desk.contract.events import Metadata, utcnow
from complaint_desk.contract.events.complaints import CommandRejected
from complaint_desk.contract.integration import (
    ComplaintCommand,
    PurchaseStatus,
    PurchaseUpdate,
    WorkOrderStatus,
    WorkOrderUpdate,
)
from complaint_desk.shared.auth import Principal
from complaint_desk.shared.db import Connection
from complaint_desk.shared.eventstore import ConcurrencyConflict
from complaint_desk.shared.uow import UnitOfWork

from . import attachments
from .problems import service as problems
from .problems.context import NotVisible
from .refusals import FileNotAttachable, Refusal, VersionConflict
from .repository import AttachmentStore, ComplaintRepository
from .service import (
    COMMANDS,
    Context,
    Provenance,
    apply_command,
)

log = logging.getLogger(__name__)

# How far along an external task is; an update that does not move it forward is stale.
_PROGRESS: dict[str, int] = {
    WorkOrderStatus.ACCEPTED: 1,
    PurchaseStatus.ORDERED: 1,
    WorkOrderStatus.IN_PROGRESS: 2,
    WorkOrderStatus.COMPLETED: 3,
    PurchaseStatus.DELIVERED: 3,
    WorkOrderStatus.CANCELLED: 3,
}
_REPEATABLE = {WorkOrderStatus.IN_PROGRESS}  # progress notes may come many times
_COMMAND_STREAMS = uuid.UUID("5b1d3c8e-6a0f-4e39-9d87-0c1f2b3a4d5e")


class Handled(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    STALE = "stale"
    REJECTED = "rejected"


class Unprocessable(ValueError):
    """A well-formed message that refers to nothing we know: parked, not retried."""


async def handle_task_update(
    uow: UnitOfWork,
    source: str,
    update: WorkOrderUpdate | PurchaseUpdate,
    sender: Principal | None = None,
) -> Handled:
    """Apply an update from ``sender`` (None: trusted, as in tests of the domain), within
    the sites it serves."""
    async with uow() as conn:
        repo = ComplaintRepository(conn)
        if not await repo.claim_message(source, update.message_id):
            return Handled.DUPLICATE
        complaint_id = update.complaint_id or await repo.complaint_of_task(update.task_id)
        if complaint_id is None:
            found = await _improvement_reply(conn, source, update, sender)
            if found is not None:
                return found
        complaint = await repo.get(complaint_id) if complaint_id else None
        if complaint is None or (sender is not None and not sender.sees(complaint.site)):
            raise Unprocessable(
                f"no complaint {complaint_id or 'with task ' + str(update.task_id)}"
            )
        task = complaint.tasks.get(update.task_id)
        if task is None:
            raise Unprocessable(f"complaint {complaint.id} has no task {update.task_id}")
        reached = _PROGRESS.get(task.external_status or "", 0)
        step = _PROGRESS[update.status]
        if (
            not task.is_open
            or step < reached
            or (step == reached and update.status not in _REPEATABLE)
        ):
            log.info("stale update ignored", extra={"complaint_id": str(complaint.id)})
            return Handled.STALE
        note = update.note
        try:
            files = await attachments.resolve(AttachmentStore(conn), complaint.id, update.files)
        except FileNotAttachable as exc:
            raise Unprocessable(exc.message) from None
        if update.status in (WorkOrderStatus.COMPLETED, PurchaseStatus.DELIVERED):
            complaint.complete_task(task.id, note, files)
        elif update.status in (WorkOrderStatus.CANCELLED, PurchaseStatus.CANCELLED):
            complaint.cancel_task(task.id, note or f"cancelled by {source}")
        else:
            complaint.progress_task(task.id, note, external=update.status.value, files=files)
        assert complaint.site is not None
        system = sender.name if sender is not None else f"system:{source}"
        # The technician the maintenance system names acted; the system relayed it.
        actor, relayed_by = (update.reported_by, system) if update.reported_by else (system, None)
        await repo.save(
            complaint, Metadata(site_id=complaint.site, actor=actor, relayed_by=relayed_by)
        )
    return Handled.APPLIED


async def _improvement_reply(
    conn: Connection,
    source: str,
    update: WorkOrderUpdate | PurchaseUpdate,
    sender: Principal | None,
) -> Handled | None:
    """An inspection visit's or a problem's replacement's answer; None if it is neither."""
    system = sender.name if sender is not None else f"system:{source}"
    actor, relayed_by = (update.reported_by, system) if update.reported_by else (system, None)
    try:
        handled = await problems.task_reply(
            conn, update, sees=sender.sees if sender else (lambda site: True),
            actor=actor, relayed_by=relayed_by,
        )  # fmt: skip
    except NotVisible:
        raise Unprocessable(
            f"task {update.task_id} is at a site the sender does not serve"
        ) from None
    return Handled(handled) if handled else None


async def handle_command(
    uow: UnitOfWork,
    message: ComplaintCommand,
    *,
    reopen_window_days: int,
    sites: frozenset[str] | None = None,
    sender: str | None = None,
    console_base_url: str = "",
) -> Handled:
    """Run a command from ``sender`` (another system), or record why it was refused."""
    # Command ids are each integration's own: another system's id never stands for ours.
    scope = f"commands:{sender}" if sender else "commands"
    async with uow() as conn:
        repo = ComplaintRepository(conn)
        if not await repo.claim_message(scope, message.command_id):
            return Handled.DUPLICATE
        reason = None
        try:
            async with conn.transaction():  # a refusal rolls back only the attempt
                reason = await _try_command(
                    repo, message, reopen_window_days, sites, console_base_url, sender
                )
        except ConcurrencyConflict as exc:
            reason = _reason(VersionConflict(exc.expected, exc.actual))
        except Refusal as exc:
            reason = _reason(exc)
        if reason is None:
            return Handled.APPLIED
        complaint = await repo.get(message.complaint_id)
        # The refusal is the sender's to read: it names a site only if the sender serves it.
        visible = complaint is not None and (sites is None or complaint.site in sites)
        await repo.append_other(
            uuid.uuid5(_COMMAND_STREAMS, f"{scope}:{message.command_id}"),
            [
                CommandRejected(
                    command_id=message.command_id,
                    command=message.command,
                    complaint_id=message.complaint_id,
                    reason=reason,
                    source="kafka",
                )
            ],
            Metadata(
                site_id=(complaint.site if visible and complaint and complaint.site else "unknown"),
                actor=message.actor,
            ),
        )
    log.warning("command rejected", extra={"reason": reason[:200]})
    return Handled.REJECTED


async def _try_command(
    repo: ComplaintRepository,
    message: ComplaintCommand,
    reopen_window_days: int,
    sites: frozenset[str] | None,
    console_base_url: str = "",
    sender: str | None = None,
) -> str | None:
    if message.command not in COMMANDS:
        return f"unknown command {message.command!r}; known: {', '.join(sorted(COMMANDS))}"
    model, _ = COMMANDS[message.command]
    try:
        command = model.model_validate(
            {
                **message.payload,
                "actor": message.actor,
                "expected_version": message.expected_version,
            }
        )
    except ValidationError as exc:
        fields = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'payload'}: {e['msg']}" for e in exc.errors()
        )
        return f"invalid payload: {fields}"
    ctx = Context(
        now=utcnow(),
        reopen_window_days=reopen_window_days,
        task_id=message.task_id,
        sites=sites,
        console_base_url=console_base_url,
    )
    provenance = Provenance(
        causation_id=_as_uuid(message.command_id),
        relayed_by=sender if sender and sender != message.actor else None,
    )
    await apply_command(repo, message.command, message.complaint_id, command, ctx, provenance)
    return None


def _as_uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None


def _reason(refusal: Refusal) -> str:
    """What the sender reads in CommandRejected: the kind, then why ("not found: …")."""
    return f"{refusal.kind.value.replace('_', ' ')}: {refusal.message}"
