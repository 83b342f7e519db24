"""Filing the handling report: both sides' signatures (by name, with the drawn or scanned
signature each named file holds), and the PDF made from the complaint's facts, kept as a file
whose reference and hash go into HandlingReportFiled. A new report is a new PDF; the old kept."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from complaint_desk.contract.events.files import AttachedFile, Signature
from complaint_desk.shared import documents as shared_documents

from . import attachments, documents
from . import commands as c
from .domain import Complaint
from .refusals import DocumentsUnavailable, SignatureNotAnImage
from .repository import AttachmentStore

Role = Literal["officer", "complainant"]


@dataclass(frozen=True)
class ReportSetup:
    """How reports are made: the font they embed, the zone their times are in."""

    font: str | None
    zone: str


@dataclass(frozen=True)
class Report:
    signatures: tuple[Signature, ...]
    document: AttachedFile


async def prepare(
    store: AttachmentStore,
    complaint: Complaint,
    command: c.FileReport,
    now: datetime,
    setup: ReportSetup,
) -> Report:
    """The signatures and the report's PDF, kept among the complaint's files."""
    try:
        font = shared_documents.font_path(setup.font)
    except shared_documents.NoFont:
        raise DocumentsUnavailable() from None
    sides: tuple[tuple[Role, str, UUID | None, str], ...] = (
        ("officer", command.signed_by_officer, command.officer_signature, "officer_signature"),
        ("complainant", command.signed_by_complainant, command.complainant_signature,
         "complainant_signature"),
    )  # fmt: skip
    signatures, drawn = [], []
    for role, name, file_id, field in sides:
        file, image = await _signature(store, complaint.id, file_id, field)
        signatures.append(Signature(role=role, name=name, signed_at=now, file=file))
        drawn.append(documents.Signed(role, name, now, image))
    lang = command.language
    assert complaint.number and complaint.site and complaint.received_at
    facts = documents.ReportFacts(
        number=complaint.number, site=complaint.site, location=complaint.location or "",
        category=documents.named(documents.CATEGORIES, complaint.category, lang),
        severity=documents.named(documents.SEVERITIES, complaint.severity, lang),
        received_at=complaint.received_at, description=complaint.description or "",
        responsible_party=command.responsible_party, solution=command.solution,
        completion_due=command.completion_due, version=complaint.reports + 1,
    )  # fmt: skip
    # Rendering (and subsetting the font) is CPU work: off the event loop.
    pdf = await asyncio.to_thread(
        documents.report_pdf, facts, drawn, lang=lang, zone=ZoneInfo(setup.zone),
        issued_at=now, font=font,
    )  # fmt: skip
    document = await attachments.keep_document(
        store.conn, complaint.id, complaint.site, pdf,
        f"{complaint.number}-report-{complaint.reports + 1}.pdf", uploaded_by=command.actor,
    )  # fmt: skip
    return Report(tuple(signatures), document)


async def _signature(
    store: AttachmentStore, complaint_id: UUID, file_id: UUID | None, field: str
) -> tuple[AttachedFile | None, bytes | None]:
    if file_id is None:
        return None, None
    [file] = await attachments.resolve(store, complaint_id, [file_id])
    if file.media_type not in ("image/png", "image/jpeg"):
        raise SignatureNotAnImage(field)
    return file, await attachments.content_of(store, file)
