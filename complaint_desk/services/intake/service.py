"""What intake's entrypoints (HTTP and Kafka) call: each command in one transaction, against
the complaint rebuilt from its events, acknowledged once its events are durable.

Over 300 lines: the command table and the three use cases that share its context (a command,
receiving a complaint, erasing a complainant's data)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from pydantic import BaseModel

from complaint_desk.contract.events import Metadata, utcnow
from complaint_desk.contract.events.files import AttachedFile
from complaint_desk.shared import metrics
from complaint_desk.shared.contacts import contact_keys
from complaint_desk.shared.eventstore import ConcurrencyConflict
from complaint_desk.shared.privacy.keys import KeyRing
from complaint_desk.shared.uow import UnitOfWork

from . import attachments, reports
from . import commands as c
from .domain import Complaint, complaint_number, local_day
from .refusals import (
    ComplaintNotFound,
    IdempotencyKeyReused,
    NothingToErase,
    TaskNotFound,
    VersionConflict,
)
from .reports import Report, ReportSetup
from .repository import AttachmentStore, ComplaintRepository


def request_fingerprint(command: BaseModel, secret: str) -> str:
    """What makes two requests the same request: their bodies, field by field. Keyed, since
    a body holds the complainant's contact: the fingerprint must not be a guessable hash."""
    canonical = json.dumps(command.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Context:
    """What a command may need besides its body: the time, the policy, the task it targets."""

    now: datetime
    reopen_window_days: int = 30
    task_id: UUID | None = None
    # The sites the caller serves (None: all); a complaint elsewhere is, to them, not found.
    sites: frozenset[str] | None = None
    # Whether the caller may act as a supervisor (coordinate a disputed plan).
    supervisor: bool = False
    # The console's address: work orders and purchase requests link to the complaint.
    console_base_url: str = ""
    # The files the command names, resolved to what its event carries.
    files: tuple[AttachedFile, ...] = ()
    # How a handling report's PDF is made, and the report once made.
    report_setup: ReportSetup = field(
        default_factory=lambda: ReportSetup(font=None, zone="Asia/Taipei")
    )
    report: Report | None = None

    def link(self, complaint: Complaint) -> str | None:
        base = self.console_base_url.rstrip("/")
        return f"{base}/console/complaints/{complaint.id}" if base else None


@dataclass
class Outcome:
    complaint: Complaint
    events: list[str]
    created_id: UUID | None = None
    replayed: bool = False
    # The log position of the last event written: a read after it sees the command's effect.
    position: int = 0


Action = Callable[[Complaint, Any, Context], UUID | list[UUID] | None]


def _task_id(ctx: Context) -> UUID:
    if ctx.task_id is None:
        raise TaskNotFound("a task command needs a task id")
    return ctx.task_id


# Every lifecycle command: its body model and what it does to the aggregate.
COMMANDS: dict[str, tuple[type[c.Command], Action]] = {
    "acknowledge": (c.Acknowledge, lambda x, cmd, ctx: x.acknowledge(cmd)),
    "escalate-safety": (c.EscalateSafety, lambda x, cmd, ctx: x.escalate_safety(cmd)),
    "owner": (c.AssignOwner, lambda x, cmd, ctx: x.assign_owner(cmd)),
    "evidence": (
        c.RecordEvidence,
        lambda x, cmd, ctx: x.record_evidence(cmd, ctx.now, ctx.files),
    ),
    "notes": (c.AddNote, lambda x, cmd, ctx: x.add_note(cmd)),
    "classify": (c.Classify, lambda x, cmd, ctx: x.classify(cmd)),
    "severity": (c.ChangeSeverity, lambda x, cmd, ctx: x.change_severity(cmd)),
    "resolution": (
        c.ProposeResolution,
        lambda x, cmd, ctx: x.propose_resolution(cmd, supervisor=ctx.supervisor),
    ),
    "resolution/approve": (
        c.ApproveResolution,
        lambda x, cmd, ctx: x.approve_resolution(cmd, supervisor=ctx.supervisor),
    ),
    "resolution/accept": (c.AcceptResolution, lambda x, cmd, ctx: x.accept_resolution(cmd)),
    "resolution/dispute": (c.DisputeResolution, lambda x, cmd, ctx: x.dispute_resolution(cmd)),
    "report": (
        c.FileReport,
        lambda x, cmd, ctx: x.file_report(
            cmd,
            ctx.files,
            ctx.report.signatures if ctx.report else (),
            ctx.report.document if ctx.report else None,
        ),
    ),
    "tasks": (c.AssignTask, lambda x, cmd, ctx: x.assign_task(cmd, ctx.now, ctx.link(x))),
    "tasks/progress": (
        c.TaskNote,
        lambda x, cmd, ctx: x.progress_task(_task_id(ctx), cmd.note, files=ctx.files),
    ),
    "tasks/complete": (
        c.TaskNote,
        lambda x, cmd, ctx: x.complete_task(_task_id(ctx), cmd.note, ctx.files),
    ),
    "tasks/cancel": (
        c.CancelTask,
        lambda x, cmd, ctx: x.cancel_task(_task_id(ctx), cmd.reason),
    ),
    "wait": (c.Wait, lambda x, cmd, ctx: x.wait(cmd)),
    "resume": (c.Resume, lambda x, cmd, ctx: x.resume(cmd)),
    "callbacks": (c.RecordCallback, lambda x, cmd, ctx: x.record_callback(cmd, ctx.files)),
    "review/conclude": (
        c.ConcludeReview,
        lambda x, cmd, ctx: x.conclude_review(cmd, ctx.now, ctx.link(x)),
    ),
    "resolve": (c.Resolve, lambda x, cmd, ctx: x.resolve(cmd)),
    "close": (c.Close, lambda x, cmd, ctx: x.close(cmd, ctx.now)),
    "message": (c.AddMessage, lambda x, cmd, ctx: x.add_message(cmd, ctx.files)),
    "reopen": (
        c.Reopen,
        lambda x, cmd, ctx: x.reopen(cmd, now=ctx.now, window_days=ctx.reopen_window_days),
    ),
}


@dataclass
class Provenance:
    correlation_id: UUID = field(default_factory=uuid4)
    causation_id: UUID | None = None
    relayed_by: str | None = None  # the system or admin that sent a named person's action


async def run_command(
    uow: UnitOfWork,
    name: str,
    complaint_id: UUID,
    command: c.Command,
    ctx: Context,
    provenance: Provenance | None = None,
) -> Outcome:
    """Load the complaint, apply the command, save its events. Without an expected version a
    concurrent write is retried against the fresh state; with one, it is a conflict."""
    provenance = provenance or Provenance()
    attempts = 1 if command.expected_version is not None else 3
    for attempt in range(attempts):
        try:
            async with uow() as conn:
                return await apply_command(
                    ComplaintRepository(conn), name, complaint_id, command, ctx, provenance
                )
        except ConcurrencyConflict as exc:
            if attempt + 1 == attempts:
                raise VersionConflict(exc.expected, exc.actual) from None
    raise AssertionError("unreachable")


async def apply_command(
    repo: ComplaintRepository,
    name: str,
    complaint_id: UUID,
    command: c.Command,
    ctx: Context,
    provenance: Provenance,
) -> Outcome:
    """The command inside the caller's transaction."""
    _, action = COMMANDS[name]
    complaint = await repo.get(complaint_id)
    if complaint is None or (ctx.sites is not None and complaint.site not in ctx.sites):
        raise ComplaintNotFound(complaint_id)
    if command.expected_version not in (None, complaint.version):
        raise VersionConflict(command.expected_version, complaint.version)
    store = AttachmentStore(repo.conn)
    if isinstance(command, c.WithFiles) and command.files:
        ctx = replace(ctx, files=await attachments.resolve(store, complaint_id, command.files))
    if isinstance(command, c.FileReport):
        complaint.check("report")  # refused before any PDF is made
        ctx = replace(
            ctx, report=await reports.prepare(store, complaint, command, ctx.now, ctx.report_setup)
        )
    result = action(complaint, command, ctx)
    events = [e.event_type for e in complaint.pending]
    saved = await repo.save(complaint, metadata_for(complaint, command.actor, provenance))
    if "ComplaintClosed" in events:
        metrics.COMPLAINTS_CLOSED.labels(
            complaint.site,
            complaint.severity.value if complaint.severity else "unclassified",
            complaint.category.value if complaint.category else "other",
        ).inc()
    created = result if isinstance(result, UUID) else None
    return Outcome(complaint, events, created, position=saved.position)


async def record_late_answer(
    repo: ComplaintRepository, complaint_id: UUID, command: c.RecordCallback, provenance: Provenance
) -> None:
    """Keep a complainant's answer that came after the complaint moved on."""
    complaint = await repo.get(complaint_id)
    if complaint is None:
        raise ComplaintNotFound(complaint_id)
    complaint.record_late_answer(command)
    await repo.save(complaint, metadata_for(complaint, command.actor, provenance))


def metadata_for(complaint: Complaint, actor: str, provenance: Provenance) -> Metadata:
    assert complaint.site is not None
    return Metadata(
        site_id=complaint.site,
        actor=actor,
        correlation_id=provenance.correlation_id,
        causation_id=provenance.causation_id,
        relayed_by=provenance.relayed_by,
    )


@dataclass(frozen=True)
class Receipt:
    complaint_id: UUID
    number: str
    version: int
    status: str
    events: list[str]
    received_at: datetime | None
    position: int
    replayed: bool = False


async def receive_complaint(
    uow: UnitOfWork,
    command: c.ReceiveComplaint,
    *,
    actor: str,
    number_timezone: str,
    contact_key_secret: str,
    keyring: KeyRing,
    repeat_window_days: int = 30,
    idempotency_key: str | None = None,
    caller: str = "",
    provenance: Provenance | None = None,
    clock: Callable[[], datetime] = utcnow,
    uploads: Sequence[attachments.Prepared] = (),
    per_complaint_bytes: int = 200 * 1024 * 1024,
) -> Receipt:
    """Record a new complaint, link it to earlier ones that look like the same problem, and
    escalate a safety problem at once. Returns only after the events are committed.

    ``idempotency_key`` is the ``caller``'s own (their principal): the same key with the same
    request answers with the complaint it created; with another request it is refused."""
    complaint_id = uuid4()
    now = clock()
    provenance = provenance or Provenance()
    if command.receiving_officer is None:  # received by whoever records it
        command = command.model_copy(update={"receiving_officer": actor})
    phone_key, email_key = contact_keys(command.phone, command.email, contact_key_secret)
    async with uow() as conn:
        repo = ComplaintRepository(conn)
        fingerprint = request_fingerprint(command, contact_key_secret) if idempotency_key else ""
        if idempotency_key and not await repo.claim_idempotency_key(
            caller, idempotency_key, complaint_id, fingerprint
        ):
            earlier_id, earlier_fingerprint = await repo.complaint_for_key(caller, idempotency_key)
            if earlier_fingerprint not in (None, fingerprint):
                raise IdempotencyKeyReused(idempotency_key)
            earlier = await repo.get(earlier_id)
            assert earlier is not None and earlier.number is not None
            position = await repo.position_of(earlier_id)
            return Receipt(
                earlier_id,
                earlier.number,
                earlier.version,
                earlier.status.value,
                [],
                None,
                position,
                replayed=True,
            )
        # The site's numbering row stays locked until the commit: everything that needs no
        # number is done before it is taken, so the next complaint at the site waits less.
        files = [
            await attachments.store_prepared(
                conn, complaint_id, upload, site=command.site, personal=False, uploaded_by=actor,
                per_complaint=per_complaint_bytes,
            )
            for upload in uploads
        ]  # fmt: skip
        sealer = await keyring.sealer_for(conn, [phone_key, email_key])
        subject = sealer.subject
        day = local_day(now, number_timezone)
        sequence, repeats = await repo.number_and_similar(
            site=command.site,
            day=day,
            phone_key=phone_key,
            email_key=email_key,
            location=command.location,
            category=command.category.value,
            since=now - timedelta(days=repeat_window_days),
        )
        number = complaint_number(command.site, day, sequence)
        sealed = command.model_copy(
            update={
                "complainant_name": sealer(command.complainant_name),
                "phone": sealer(command.phone),
                "email": sealer(command.email),
            }
        )
        complaint = Complaint.receive(
            complaint_id,
            sealed,
            number=number,
            now=now,
            repeats=repeats,
            repeat_window_days=repeat_window_days,
            complainant_id=subject,
            files=files,
        )
        events = [e.event_type for e in complaint.pending]
        saved = await repo.save(
            complaint,
            Metadata(
                site_id=command.site,
                actor=actor,
                correlation_id=provenance.correlation_id,
                causation_id=provenance.causation_id,
                relayed_by=provenance.relayed_by,
            ),
        )
        await repo.index(
            complaint_id,
            site=command.site,
            location=command.location,
            category=command.category.value,
            phone_key=phone_key,
            email_key=email_key,
            received_at=now,
            subject_id=subject,
            number=number,
            asset=command.asset,
        )
    metrics.COMPLAINTS_RECEIVED.labels(command.site, command.category, command.urgency).inc()
    return Receipt(
        complaint_id,
        number,
        complaint.version,
        complaint.status.value,
        events,
        now,
        saved.position,
    )


async def erase_complainant(
    uow: UnitOfWork,
    keyring: KeyRing,
    complaint_id: UUID,
    *,
    actor: str,
    sites: frozenset[str] | None,
) -> tuple[list[UUID], int]:
    """Erase the complainant of ``complaint_id``: delete their key (crypto-shredding) and
    contacts, and record PersonalDataErased on each of their complaints, in one transaction.
    Returns those complaints and the log position of the last event written."""
    async with uow() as conn:
        repo = ComplaintRepository(conn)
        complaint = await repo.get(complaint_id)
        if complaint is None or (sites is not None and complaint.site not in sites):
            raise ComplaintNotFound(complaint_id)
        subject = complaint.complainant_id
        if subject is None:
            raise NothingToErase(complaint_id)
        await keyring.erase(conn, subject)
        await repo.forget_contacts_of(subject)
        theirs = await repo.complaints_of(subject)
        await AttachmentStore(conn).erase_personal(theirs)
        position = 0
        for other_id in theirs:
            other = await repo.get(other_id)
            if other is not None and other.erase_personal_data():
                saved = await repo.save(other, metadata_for(other, actor, Provenance()))
                position = max(position, saved.position)
    return theirs, position
