"""What a mail to a site's mailbox does: a reply threads into its complaint (by the signed
thread id of our own mail it answers, or by the number its subject quotes when the sender is
that complaint's complainant) as the complainant's message; any other mail from a person
becomes a complaint; a machine's mail does nothing. Each mail once, however often the relay
delivers it."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from uuid import UUID

from prometheus_client import Counter

from complaint_desk.contract.events import utcnow
from complaint_desk.contract.events.complaints import Category, Channel, Urgency
from complaint_desk.shared import links
from complaint_desk.shared.contacts import contact_keys
from complaint_desk.shared.metrics import at_zero
from complaint_desk.shared.privacy.keys import KeyRing
from complaint_desk.shared.uow import UnitOfWork

from .. import attachments
from .. import commands as c
from ..refusals import IllegalTransition, Refusal
from ..repository import ComplaintRepository
from ..service import Context, Provenance, apply_command, receive_complaint
from ..settings import IntakeSettings
from .parse import Incoming

log = logging.getLogger(__name__)
MAIL = Counter("desk_mail_received_total", "Mail to the desk's mailboxes, by outcome", ["outcome"])
OUTCOMES = ("complaint", "reply", "automated", "duplicate", "refused")
at_zero(MAIL, [(o,) for o in OUTCOMES])
ACTOR = "channel:email"
UNSTATED = "未註明（電子郵件）"  # what the register shows for a field mail does not give


@dataclass(frozen=True)
class Outcome:
    kind: str  # one of OUTCOMES
    number: str | None = None


def _limits(settings: IntakeSettings) -> attachments.Limits:
    return attachments.Limits(
        settings.attachment_types, settings.attachment_max_bytes,
        settings.attachments_per_complaint_max_bytes,
    )  # fmt: skip


def _uploads(mail: Incoming, settings: IntakeSettings) -> list[attachments.Prepared]:
    """The mail's files that may be kept (photos, PDFs within the limits); others are left,
    the mail itself still counts."""
    kept = []
    for name, content in mail.files[:20]:
        try:
            kept.append(attachments.check(io.BytesIO(content), name, _limits(settings)))
        except Refusal:
            log.info("a mail's attachment was not kept", extra={"reason": "type or size"})
    return kept


async def thread_of(
    repo: ComplaintRepository, mail: Incoming, secret: str, contact_secret: str
) -> UUID | None:
    """The complaint a mail answers, if it answers one."""
    for reference in mail.references:
        found = links.complaint_of_message_id(secret, reference)
        if found is not None and await repo.get(found) is not None:
            return found
    _, email_key = contact_keys(None, mail.sender, contact_secret)
    for number in mail.numbers:
        complaint_id = await repo.complaint_by_number(number)
        complaint = await repo.get(complaint_id) if complaint_id else None
        if complaint is None or email_key is None:
            continue
        if await repo.contact_matches(complaint.id, list(complaint.co_complainants), email_key):
            return complaint.id
    return None


async def receive_mail(
    uow: UnitOfWork, keyring: KeyRing, settings: IntakeSettings, mail: Incoming, site: str
) -> Outcome:
    if mail.automated:
        MAIL.labels("automated").inc()
        log.info("an automated mail was set aside", extra={"reason": mail.automated})
        return Outcome("automated")
    key = mail.message_id or None
    async with uow() as conn:
        repo = ComplaintRepository(conn)
        thread = await thread_of(
            repo, mail, settings.status_link_secret, settings.contact_key_secret
        )
        if thread is not None:
            return await _reply(repo, settings, mail, thread)
    command = c.ReceiveComplaint(
        complainant_name=mail.sender_name, department=UNSTATED, email=mail.sender, site=site,
        location=UNSTATED, category=Category.OTHER,
        description=(f"{mail.subject}\n\n{mail.text}".strip() or mail.subject or UNSTATED)[:4000],
        urgency=Urgency.NORMAL, channel=Channel.EMAIL, receiving_officer=ACTOR,
    )  # fmt: skip
    receipt = await receive_complaint(
        uow, command, actor=ACTOR, number_timezone=settings.number_timezone,
        contact_key_secret=settings.contact_key_secret, keyring=keyring,
        repeat_window_days=settings.repeat_window_days, idempotency_key=key,
        caller=f"mail:{site}", uploads=_uploads(mail, settings),
        per_complaint_bytes=settings.attachments_per_complaint_max_bytes,
    )  # fmt: skip
    outcome = "duplicate" if receipt.replayed else "complaint"
    MAIL.labels(outcome).inc()
    return Outcome(outcome, receipt.number)


async def _reply(
    repo: ComplaintRepository, settings: IntakeSettings, mail: Incoming, complaint_id: UUID
) -> Outcome:
    """The reply as the complainant's message, on the complaint that handles the problem
    (the one a merged complaint joined)."""
    complaint = await repo.get(complaint_id)
    assert complaint is not None
    from_complaint = None
    if complaint.merged_into is not None:
        from_complaint, complaint_id = complaint.id, complaint.merged_into
        complaint = await repo.get(complaint_id)
        assert complaint is not None
    site = complaint.site
    assert site is not None
    if mail.message_id and not await repo.claim_message("mail", mail.message_id):
        MAIL.labels("duplicate").inc()
        return Outcome("duplicate", complaint.number)
    files = [
        await attachments.store_prepared(
            repo.conn, complaint_id, upload, site=site, personal=False,
            uploaded_by=ACTOR, per_complaint=settings.attachments_per_complaint_max_bytes,
        )
        for upload in _uploads(mail, settings)
    ]  # fmt: skip
    text = (mail.text or mail.subject or "（附件）")[:4000]
    command = c.AddMessage(
        text=text, via=Channel.EMAIL, actor="complainant", from_complaint=from_complaint,
        files=[f.id for f in files],
    )  # fmt: skip
    try:
        await apply_command(
            repo, "message", complaint_id, command, Context(now=utcnow()), Provenance()
        )
    except IllegalTransition:
        MAIL.labels("refused").inc()
        return Outcome("refused", complaint.number)
    MAIL.labels("reply").inc()
    return Outcome("reply", complaint.number)
