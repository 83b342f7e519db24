"""The complainant's use cases: report a problem (joining an open report of the same one if
they say so), read where their complaint stands, add to it, ask for the supervisor once a
deadline has passed. No account: the caller holds a signed link or a site's form."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from complaint_desk.contract.events.complaints import Channel
from complaint_desk.shared.privacy.keys import KeyRing
from complaint_desk.shared.uow import UnitOfWork

from .. import attachments, merging
from .. import commands as c
from ..refusals import ComplaintNotFound, MergeRefused, NotInRegistry
from ..registry import service as registry_service
from ..repository import ComplaintRepository
from ..service import (
    Context,
    Provenance,
    Receipt,
    apply_command,
    metadata_for,
    receive_complaint,
)
from ..settings import IntakeSettings
from . import view as v

COMPLAINANT = "complainant"  # who the complainant's own steps are recorded as


def channel_actor(channel: Channel) -> str:
    """Who received a complaint that came in by itself: the channel, not an officer (the
    officers' indicators leave these out)."""
    return f"channel:{channel.value}"


@dataclass(frozen=True)
class Found:
    """An open complaint about the same problem, as the public form may show it: nothing
    about who reported it or what they wrote."""

    number: str
    received_at: datetime


async def open_reports(
    uow: UnitOfWork, *, site: str, location: str, category: str, asset: str | None
) -> list[Found]:
    async with uow() as conn:
        rows = await ComplaintRepository(conn).open_at_place(
            site=site, location=location, category=category, asset=asset
        )
    return [Found(r["number"], r["received_at"]) for r in rows]


async def report(
    uow: UnitOfWork,
    keyring: KeyRing,
    settings: IntakeSettings,
    command: c.ReceiveComplaint,
    uploads: Sequence[attachments.Prepared],
    *,
    same_as: str | None = None,
    place_code: str | None = None,
) -> tuple[Receipt, str | None]:
    """Record the complainant's report; with ``same_as`` (an open complaint's number the
    form showed them), merge it into that one at once: they follow it as a co-complainant.
    Returns the receipt, and the number it joined (None: it stands on its own)."""
    actor = channel_actor(command.channel)
    command = command.model_copy(update={"receiving_officer": actor})
    target: UUID | None = None
    if same_as:
        async with uow() as conn:
            target = await ComplaintRepository(conn).complaint_by_number(same_as)
        if target is None:
            raise MergeRefused(
                "unknown", f"No open complaint {same_as}", f"查無處理中的投訴 {same_as}"
            )
    receipt = await receive_complaint(
        uow, command, actor=actor, number_timezone=settings.number_timezone,
        contact_key_secret=settings.contact_key_secret, keyring=keyring,
        repeat_window_days=settings.repeat_window_days, uploads=uploads,
        per_complaint_bytes=settings.attachments_per_complaint_max_bytes,
    )  # fmt: skip
    if command.asset or place_code:  # from a QR code of the registry: linked at once
        link = c.LinkAsset(place=place_code, asset=command.asset, actor=actor)
        with contextlib.suppress(NotInRegistry):  # a label the registry does not know
            await registry_service.link(uow, receipt.complaint_id, link, sites=None)
    if target is None:
        return receipt, None
    merge = c.Merge(into=target, actor=COMPLAINANT, reason="投訴人表示為同一問題")
    try:
        await merging.merge(uow, receipt.complaint_id, merge, sites=frozenset({command.site}))
    except MergeRefused:  # closed meanwhile: it stands on its own, an officer may merge it
        return receipt, None
    return receipt, same_as


@dataclass
class StatusPage:
    own: v.PublicView  # the complaint the link is for
    shown: v.PublicView  # what the page shows: the one it was merged into, if it was
    overdue: list[str]
    expired: bool


async def status(
    uow: UnitOfWork, complaint_id: UUID, now: datetime, days_after_close: int
) -> StatusPage:
    """The complaint as its complainant may see it; a merged one shows the complaint that
    handles the problem (without that one's complainant's messages)."""
    async with uow() as conn:
        repo = ComplaintRepository(conn)
        history = await repo.history(complaint_id)
        if not history:
            raise ComplaintNotFound(complaint_id)
        own = v.fold(complaint_id, history)
        shown = own
        if own.merged_into is not None:
            target = await repo.history(own.merged_into)
            shown = v.fold(own.merged_into, target, reader=complaint_id)
        clocks = await repo.history(shown.complaint_id, "sla")
    closed_at = shown.progress.closed_at
    expired = closed_at is not None and now - closed_at > timedelta(days=days_after_close)
    return StatusPage(own, shown, v.overdue(shown, clocks, now), expired)


async def add_message(
    uow: UnitOfWork,
    settings: IntakeSettings,
    page: StatusPage,
    text: str,
    uploads: Sequence[attachments.Prepared],
    now: datetime,
) -> None:
    """The complainant's message, on the complaint that handles their problem."""
    shown = page.shown.complaint_id
    from_complaint = page.own.complaint_id if shown != page.own.complaint_id else None
    async with uow() as conn:
        repo = ComplaintRepository(conn)
        complaint = await repo.get(shown)
        if complaint is None or complaint.site is None:
            raise ComplaintNotFound(shown)
        files = [
            await attachments.store_prepared(
                conn, shown, upload, site=complaint.site, personal=False, uploaded_by=COMPLAINANT,
                per_complaint=settings.attachments_per_complaint_max_bytes,
            )
            for upload in uploads
        ]  # fmt: skip
        command = c.AddMessage(
            text=text, via=Channel.WEB, actor=COMPLAINANT, from_complaint=from_complaint,
            files=[f.id for f in files],
        )  # fmt: skip
        await apply_command(repo, "message", shown, command, Context(now=now), Provenance())


async def request_escalation(
    uow: UnitOfWork, page: StatusPage, reason: str | None, now: datetime
) -> None:
    shown = page.shown.complaint_id
    from_complaint = page.own.complaint_id if shown != page.own.complaint_id else None
    async with uow() as conn:
        repo = ComplaintRepository(conn)
        complaint = await repo.get(shown)
        if complaint is None:
            raise ComplaintNotFound(shown)
        command = c.RequestEscalation(
            reason=reason, actor=COMPLAINANT, from_complaint=from_complaint
        )
        complaint.request_escalation(command, page.overdue)
        await repo.save(complaint, metadata_for(complaint, COMPLAINANT, Provenance()))
