"""The complaint's archive (資料歸檔): sealing the record when it closes, the dossier (a ZIP
with the events as JSON, every file they name and the seal), and checking either against the
log. Sealing appends DossierSealed to the complaint's own dossier stream."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from complaint_desk.contract.events import EventEnvelope, Metadata
from complaint_desk.contract.events.complaints import DossierSealed
from complaint_desk.shared import documents as shared_documents
from complaint_desk.shared import dossier, eventstore
from complaint_desk.shared.db import Connection, Executor
from complaint_desk.shared.privacy import ERASED
from complaint_desk.shared.privacy.keys import KeyRing

from .dossier_document import DossierFacts, dossier_pdf
from .refusals import DocumentsUnavailable
from .repository import AttachmentStore

ACTOR = "system:archive"
DOSSIER = "dossier"


def sealed_form(event: EventEnvelope) -> dict[str, Any]:
    """An event as the dossier holds it (and its hash reads it)."""
    return {
        "event_id": str(event.event_id),
        "event_type": event.event_type,
        "version": event.version,
        "occurred_at": event.occurred_at.isoformat(),
        "actor": event.actor,
        "data": event.data,
    }


async def seal_on_close(conn: Connection, closed: EventEnvelope, key: bytes) -> bool:
    """Seal the complaint's record up to its ComplaintClosed; False if already sealed there."""
    seals = await eventstore.read_stream(conn, DOSSIER, closed.stream_id)
    if any(s.data["version"] == closed.version for s in seals):
        return False
    history = await eventstore.read_stream(
        conn, "complaint", closed.stream_id, to_version=closed.version
    )
    events = [sealed_form(e) for e in history]
    made = dossier.seal(events, key)
    cycle = 1 + sum(e.event_type == "ComplaintReopened" for e in history)
    await eventstore.append(
        conn,
        closed.stream_id,
        [
            DossierSealed(
                cycle=cycle,
                version=made.version,
                chain=made.chain,
                files=list(made.files),
                signature=made.signature,
            )
        ],
        Metadata(
            site_id=closed.site_id,
            actor=ACTOR,
            correlation_id=closed.correlation_id,
            causation_id=closed.event_id,
        ),
        expected_version=None,
    )
    return True


def as_seal(event: EventEnvelope) -> dossier.Seal:
    d = event.data
    return dossier.Seal(d["version"], d["chain"], tuple(d["files"]), d["signature"])


async def latest_seal(conn: Executor, complaint_id: UUID) -> EventEnvelope | None:
    seals = await eventstore.read_stream(conn, DOSSIER, complaint_id)
    return seals[-1] if seals else None


async def verify_log(conn: Connection, complaint_id: UUID, key: bytes) -> dossier.Verdict | None:
    """The log and the stored files against the latest seal (None: never sealed)."""
    sealed = await latest_seal(conn, complaint_id)
    if sealed is None:
        return None
    seal = as_seal(sealed)
    history = await eventstore.read_stream(conn, "complaint", complaint_id, to_version=seal.version)
    hashes = await _stored_hashes(conn, complaint_id, seal.files)
    return dossier.verify([sealed_form(e) for e in history], seal, key, hashes)


async def _stored_hashes(
    conn: Connection, complaint_id: UUID, wanted: Sequence[str]
) -> dict[str, str]:
    """Each sealed file as the store holds it: its hash recomputed from its bytes (erased
    files say so). Inside a transaction: the chunks are read with a cursor."""
    store = AttachmentStore(conn)
    rows = {r["sha256"]: r for r in await store.of_complaint(complaint_id)}
    found: dict[str, str] = {}
    for sha in wanted:
        row = rows.get(sha)
        if row is not None and row["erased_at"] is not None:
            found[sha] = dossier.ERASED
            continue
        digest = hashlib.sha256()
        seen = False
        async for chunk in store.chunks(sha):
            digest.update(chunk)
            seen = True
        if seen:
            found[sha] = digest.hexdigest()
    return found


async def dossier_zip(
    conn: Connection, complaint_id: UUID, *, font: str | None, zone: str, keyring: KeyRing
) -> bytes | None:
    """The sealed dossier: dossier.pdf (the whole record in words), seal.json, events.json
    and files/<sha256> for each sealed file still held (erased ones listed in seal.json's
    ``erased``). None: not sealed yet."""
    sealed = await latest_seal(conn, complaint_id)
    if sealed is None:
        return None
    seal = as_seal(sealed)
    history = await eventstore.read_stream(conn, "complaint", complaint_id, to_version=seal.version)
    store = AttachmentStore(conn)
    rows = {r["sha256"]: r for r in await store.of_complaint(complaint_id)}
    name = await keyring.reveal(conn, history[0].data.get("complainant_name"))
    pdf = await _record_pdf(conn, store, rows, history, sealed, name, font=font, zone=zone)
    out = io.BytesIO()
    erased = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("dossier.pdf", pdf)
        archive.writestr(
            "events.json",
            json.dumps([sealed_form(e) for e in history], ensure_ascii=False, indent=1),
        )
        for sha in seal.files:
            row = rows.get(sha)
            if row is not None and row["erased_at"] is not None:
                erased.append(sha)
                continue
            content = b"".join([c async for c in store.chunks(sha)])
            archive.writestr(f"files/{sha}", content)
        archive.writestr(
            "seal.json",
            json.dumps(
                {
                    "complaint_id": str(complaint_id),
                    "version": seal.version,
                    "chain": seal.chain,
                    "files": list(seal.files),
                    "signature": seal.signature,
                    "erased": erased,
                    "sealed_at": sealed.occurred_at.isoformat(),
                },
                indent=1,
            ),
        )
    return out.getvalue()


def verify_zip(content: bytes, key: bytes) -> dossier.Verdict:
    """A downloaded dossier against its own seal: its events, its files, the signature. A
    file the seal lists as erased is not asked for (the log says whether it was)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            sealed = json.loads(archive.read("seal.json"))
            events = json.loads(archive.read("events.json"))
            hashes = {
                name.removeprefix("files/"): hashlib.sha256(archive.read(name)).hexdigest()
                for name in archive.namelist()
                if name.startswith("files/")
            }
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        return dossier.Verdict(False, (f"not a dossier: {exc}",))
    hashes |= {sha: dossier.ERASED for sha in sealed.get("erased", [])}
    seal = dossier.Seal(
        sealed["version"], sealed["chain"], tuple(sealed["files"]), sealed["signature"]
    )
    return dossier.verify(events, seal, key, hashes)


async def _record_pdf(
    conn: Connection,
    store: AttachmentStore,
    rows: Mapping[str, Any],
    history: Sequence[EventEnvelope],
    sealed: EventEnvelope,
    complainant: str,
    *,
    font: str | None,
    zone: str,
) -> bytes:
    """The record in words, its photos as thumbnails, with the messages sent about it."""
    try:
        font_file = shared_documents.font_path(font)
    except shared_documents.NoFont:
        raise DocumentsUnavailable() from None
    received = history[0].data
    classified = [e.data for e in history if e.event_type == "ComplaintClassified"]
    facts = DossierFacts(
        number=received["number"], site=received["site"], location=received["location"],
        category=(classified[-1] if classified else received).get("category"),
        severity=classified[-1]["severity"] if classified else None,
        received_at=history[0].occurred_at, description=received.get("description", ""),
        complainant="已抹除" if complainant == ERASED else complainant, chain=sealed.data["chain"],
        sealed_at=sealed.occurred_at,
    )  # fmt: skip
    messages = await eventstore.read_stream(conn, "notification", history[0].stream_id)
    shown = sorted(
        [sealed_form(e) for e in history] + [sealed_form(e) for e in messages],
        key=lambda e: e["occurred_at"],
    )
    thumbnails = {}
    for sha in dossier.files_named(sealed_form(e) for e in history):
        row = rows.get(sha)
        if row is not None and row["erased_at"] is None and row["thumb_sha256"]:
            thumbnails[sha] = b"".join([c async for c in store.chunks(row["thumb_sha256"])])
    return await asyncio.to_thread(
        dossier_pdf, facts, shown, thumbnails, zone=ZoneInfo(zone), font=font_file
    )
