"""Persistence of complaints: the event stream, plus intake's own numbering, idempotency,
repeat-complaint index, inbox of messages from other systems, the attached files, and the
sites' registries of places and equipment.

Over 300 lines: intake's only SQL (one module may load it), in three small stores."""

import hashlib
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO
from uuid import UUID

from asyncpg import Record

from complaint_desk.contract.events import DomainEvent, EventEnvelope, Metadata
from complaint_desk.contract.events.complaints import RepeatReason, TaskAssigned
from complaint_desk.contract.events.registry import registry_stream
from complaint_desk.shared import eventstore
from complaint_desk.shared.contacts import location_key
from complaint_desk.shared.db import Connection
from complaint_desk.shared.queries import load

from .domain import Complaint
from .registry.domain import SiteRegistry

Q = load(Path(__file__).parent / "sql" / "queries.sql")
STREAM = "complaint"


class ComplaintRepository:
    """Loads complaints from their events and saves what they recorded, within the caller's
    transaction (``conn``)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def get(self, complaint_id: UUID) -> Complaint | None:
        history = await eventstore.read_stream(self.conn, STREAM, complaint_id)
        if not history:
            return None
        return Complaint.rebuild(complaint_id, (e.payload() for e in history))

    async def history(self, complaint_id: UUID, stream_type: str = STREAM) -> list[EventEnvelope]:
        """The complaint's events as stored (or its clocks', ``stream_type="sla"``)."""
        return await eventstore.read_stream(self.conn, stream_type, complaint_id)

    async def save(self, complaint: Complaint, metadata: Metadata) -> eventstore.Appended:
        for event in complaint.pending:
            if isinstance(event, TaskAssigned):
                await self.conn.execute(Q.index_task, event.task_id, complaint.id)
        saved = await eventstore.append(
            self.conn,
            complaint.id,
            complaint.pending,
            metadata,
            expected_version=complaint.saved_version,
        )
        complaint.pending.clear()
        in_hand = complaint.progress.in_hand
        if complaint.in_hand_when_loaded not in (None, in_hand):
            args = Q.args("set_in_hand", complaint_id=complaint.id, in_hand=in_hand)
            await self.conn.execute(Q.set_in_hand, *args)
            complaint.in_hand_when_loaded = in_hand
        return saved

    async def due_for_retention(
        self, cutoffs: Mapping[str, datetime], limit: int = 100
    ) -> list[UUID]:
        """Closed complaints past their site's retention whose complainant is not erased."""
        rows = await self.conn.fetch(
            Q.due_for_retention, list(cutoffs), list(cutoffs.values()), limit
        )
        return [r["complaint_id"] for r in rows]

    async def complaint_by_number(self, number: str) -> UUID | None:
        found: UUID | None = await self.conn.fetchval(Q.complaint_by_number, number)
        return found

    async def complaint_of_task(self, task_id: UUID) -> UUID | None:
        found: UUID | None = await self.conn.fetchval(Q.complaint_of_task, task_id)
        return found

    async def position_of(self, complaint_id: UUID) -> int:
        """The log position of the complaint's last event."""
        return await eventstore.stream_position(self.conn, STREAM, complaint_id)

    async def claim_idempotency_key(
        self, principal: str, key: str, complaint_id: UUID, request_hash: str
    ) -> bool:
        """True the first time ``principal`` sends ``key``."""
        claimed = await self.conn.fetchval(
            Q.claim_idempotency_key, principal, key, complaint_id, request_hash
        )
        return claimed is not None

    async def complaint_for_key(self, principal: str, key: str) -> tuple[UUID, str | None]:
        """The complaint ``principal``'s key created, and the fingerprint of its request."""
        row = await self.conn.fetchrow(Q.idempotent_complaint, principal, key)
        assert row is not None  # only asked after a claim found the key taken
        return row["complaint_id"], row["request_hash"]

    async def number_and_similar(
        self,
        *,
        site: str,
        day: str,
        phone_key: str | None,
        email_key: str | None,
        location: str,
        category: str,
        since: datetime,
    ) -> tuple[int, dict[UUID, set[RepeatReason]]]:
        """The site's next sequence number of ``day``, and the complaints there since
        ``since`` from the same complainant or about the same place and category."""
        args = Q.args(
            "number_and_similar", site=site, day=day, phone_key=phone_key, email_key=email_key,
            location_key=location_key(location), category=category, since=since,
        )  # fmt: skip
        rows = await self.conn.fetch(Q.number_and_similar, *args)
        found: dict[UUID, set[RepeatReason]] = {}
        for row in rows:
            if row["complaint_id"] is None:  # nothing alike: the one row has only the number
                continue
            reasons = found.setdefault(row["complaint_id"], set())
            if row["same_complainant"]:
                reasons.add(RepeatReason.SAME_COMPLAINANT)
            if row["same_place"]:
                reasons.add(RepeatReason.SAME_PLACE_AND_CATEGORY)
        return int(rows[0]["last_seq"]), found

    async def index(
        self,
        complaint_id: UUID,
        *,
        site: str,
        location: str,
        category: str,
        phone_key: str | None,
        email_key: str | None,
        received_at: datetime,
        subject_id: UUID | None = None,
        number: str,
        asset: str | None = None,
    ) -> None:
        args = Q.args(
            "index_complaint", complaint_id=complaint_id, site=site,
            location_key=location_key(location), category=category, phone_key=phone_key,
            email_key=email_key, received_at=received_at, subject_id=subject_id, number=number,
            asset=asset,
        )  # fmt: skip
        await self.conn.execute(Q.index_complaint, *args)

    async def open_at_place(
        self, *, site: str, location: str, category: str, asset: str | None
    ) -> list[Record]:
        """Complaints in hand about the same problem (same place or equipment, category)."""
        args = Q.args(
            "open_at_place", site=site, category=category, location_key=location_key(location),
            asset=asset,
        )  # fmt: skip
        return list(await self.conn.fetch(Q.open_at_place, *args))

    async def contact_matches(
        self, complaint_id: UUID, merged: Sequence[UUID], email_key: str
    ) -> bool:
        """Whether ``email_key`` is the complainant's of ``complaint_id`` or of ``merged``."""
        args = Q.args(
            "contact_matches", complaint_id=complaint_id, merged=list(merged), email_key=email_key
        )
        return bool(await self.conn.fetchval(Q.contact_matches, *args))

    async def complaints_of(self, subject_id: UUID) -> list[UUID]:
        return [
            r["complaint_id"] for r in await self.conn.fetch(Q.complaints_of_subject, subject_id)
        ]

    async def forget_contacts_of(self, subject_id: UUID) -> None:
        """Repeat detection no longer recognises an erased person's phone or email."""
        await self.conn.execute(Q.forget_subject_contacts, subject_id)

    async def claim_message(self, source: str, message_id: str) -> bool:
        """True the first time a message is seen; False for a redelivery."""
        return await self.conn.fetchval(Q.claim_message, source, message_id) is not None

    async def append_other(
        self, stream_id: UUID, events: list[DomainEvent], metadata: Metadata
    ) -> eventstore.Appended:
        """Append to a stream that is not a complaint's (e.g. a rejected command's)."""
        return await eventstore.append(self.conn, stream_id, events, metadata, expected_version=0)


CHUNK = 256 * 1024  # bytes per stored chunk: a file is written and read a chunk at a time


@dataclass(frozen=True)
class Blob:
    sha256: str
    size: int


class AttachmentStore:
    """Files in intake's tables, content-addressed and chunked, within the caller's
    transaction (``conn``)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def put(self, file: BinaryIO, media_type: str) -> Blob:
        """Store the file's bytes once: hashed in a first pass, written in a second only if
        the content is new. The file is read a chunk at a time, never whole."""
        file.seek(0)
        digest, size = hashlib.sha256(), 0
        while chunk := file.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
        blob = Blob(digest.hexdigest(), size)
        new = await self.conn.fetchval(
            Q.put_blob, *Q.args("put_blob", sha256=blob.sha256, media_type=media_type, size=size)
        )
        if new is not None:
            file.seek(0)
            n = 0
            while chunk := file.read(CHUNK):
                await self.conn.execute(
                    Q.put_chunk, *Q.args("put_chunk", sha256=blob.sha256, n=n, data=chunk)
                )
                n += 1
        return blob

    async def add(self, row: Mapping[str, Any]) -> None:
        await self.conn.execute(Q.add_attachment, *Q.args("add_attachment", row))

    async def get(self, attachment_id: UUID) -> Record | None:
        return await self.conn.fetchrow(Q.attachment, attachment_id)

    async def of_complaint(self, complaint_id: UUID) -> list[Record]:
        return list(await self.conn.fetch(Q.attachments_of, complaint_id))

    async def stored_for(self, complaint_id: UUID) -> int:
        return int(await self.conn.fetchval(Q.stored_for_complaint, complaint_id))

    async def chunks(self, sha256: str) -> AsyncIterator[bytes]:
        """The blob's bytes, a chunk at a time (a cursor: inside the caller's transaction)."""
        async for row in self.conn.cursor(Q.chunks, sha256, prefetch=4):
            yield bytes(row["data"])

    async def erase_personal(self, complaint_ids: Sequence[UUID]) -> int:
        """Erase the complaints' files that show a person, and every blob no longer used."""
        rows = await self.conn.fetch(Q.erase_personal_attachments, list(complaint_ids))
        hashes = sorted({h for r in rows for h in r.values() if h})
        if hashes:
            await self.conn.execute(Q.drop_unused_blobs, hashes)
        return len(rows)


class RegistryStore:
    """A site's registry: its events (one stream per site) and the tables they leave, within
    the caller's transaction (``conn``)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def get(self, site: str) -> SiteRegistry:
        history = await eventstore.read_stream(self.conn, "registry", registry_stream(site))
        return SiteRegistry.rebuild(site, (e.payload() for e in history))

    async def save(self, registry: SiteRegistry, metadata: Metadata) -> eventstore.Appended | None:
        if not registry.pending:
            return None
        saved = await eventstore.append(
            self.conn, registry_stream(registry.site), registry.pending, metadata,
            expected_version=registry.saved_version,
        )  # fmt: skip
        codes = [(e.event_type, str(getattr(e, "code", ""))) for e in registry.pending]
        touched_places = {code for kind, code in codes if kind.startswith("Place")}
        touched_assets = {code for kind, code in codes if kind.startswith("Asset")}
        for code in sorted(touched_places):
            row = {"site": registry.site, **registry.places[code]}
            await self.conn.execute(Q.put_place, *Q.args("put_place", _only(row, PLACE_COLUMNS)))
        for code in sorted(touched_assets):
            row = {"site": registry.site, **registry.assets[code]}
            row["installed_on"] = _date(row.get("installed_on"))
            await self.conn.execute(Q.put_asset, *Q.args("put_asset", _only(row, ASSET_COLUMNS)))
        registry.pending.clear()
        return saved

    async def places(self, site: str, *, retired: bool = False) -> list[Record]:
        return list(
            await self.conn.fetch(Q.places_of, *Q.args("places_of", site=site, all=retired))
        )

    async def assets(self, site: str, *, retired: bool = False) -> list[Record]:
        return list(
            await self.conn.fetch(Q.assets_of, *Q.args("assets_of", site=site, all=retired))
        )

    async def suggest(self, site: str, location: str) -> list[Record]:
        args = Q.args("suggest_places", site=site, key=location_key(location))
        return list(await self.conn.fetch(Q.suggest_places, *args))


PLACE_COLUMNS = ("site", "code", "name", "building", "floor", "room", "retired")
ASSET_COLUMNS = (
    "site", "code", "type", "name", "serial", "model", "installed_on", "place",
    "maintenance_team", "retired",
)  # fmt: skip


def _only(row: Mapping[str, Any], columns: Sequence[str]) -> dict[str, Any]:
    return {c: row.get(c) for c in columns}


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value
