"""Files attached to complaints: storing an upload (judged by its content, cleaned of its
metadata, within the limits), resolving the files a command names into what its event
carries, reading a file back, and erasing those that show a person."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO, Literal
from uuid import UUID, uuid4

from asyncpg import Record

from complaint_desk.contract.events.files import AttachedFile
from complaint_desk.shared.auth import Principal
from complaint_desk.shared.db import Connection
from complaint_desk.shared.uow import UnitOfWork

from . import media
from .refusals import FileNotAttachable, FileTooLarge, FileUnsupported
from .repository import AttachmentStore, Blob

# The commands that carry files, and the integration replies that may name them.
FILE_COMMANDS = ("evidence", "tasks/progress", "tasks/complete", "callbacks", "report", "message")
FILE_MESSAGES = ("WorkOrderUpdate", "PurchaseUpdate")
Variant = Literal["original", "web", "thumb"]


def may_attach(principal: Principal) -> bool:
    """Whoever may send a command that carries files may upload them."""
    return any(principal.may_command(c) for c in FILE_COMMANDS) or any(
        principal.may_send(m) for m in FILE_MESSAGES
    )


@dataclass(frozen=True)
class Limits:
    types: frozenset[str]
    max_bytes: int
    per_complaint: int


def reference(row: Record) -> AttachedFile:
    return reference_of(dict(row))


@dataclass(frozen=True)
class Prepared:
    """An upload checked and cleaned, not stored yet."""

    name: str
    file: media.Prepared
    source: BinaryIO


def check(file: BinaryIO, name: str, limits: Limits) -> Prepared:
    """An upload judged by its content (415 otherwise) and size (413), an image's copies made
    without EXIF. Pure: nothing is stored."""
    name = (name or "file").replace("/", "_").replace("\\", "_")[-200:]
    file.seek(0, io.SEEK_END)
    if file.tell() > limits.max_bytes:
        raise FileTooLarge(name, limits.max_bytes)
    try:
        prepared = media.prepare(file, limits.types)
    except media.UnsupportedFile as exc:
        raise FileUnsupported(name, exc.detected) from None
    return Prepared(name, prepared, file)


async def store_prepared(
    conn: Connection,
    complaint_id: UUID,
    upload: Prepared,
    *,
    site: str,
    personal: bool,
    uploaded_by: str,
    per_complaint: int,
) -> AttachedFile:
    """Keep a checked upload for the complaint, within its total (413); the same content is
    stored once."""
    store, prepared = AttachmentStore(conn), upload.file
    original = io.BytesIO(prepared.original) if prepared.original is not None else upload.source
    kept = await store.put(original, prepared.media_type)
    if await store.stored_for(complaint_id) + kept.size > per_complaint:
        raise FileTooLarge(upload.name, per_complaint, in_all=True)
    copies = {
        variant: (await store.put(io.BytesIO(data), "image/jpeg")).sha256
        for variant, data in (("web", prepared.web), ("thumb", prepared.thumb))
        if data is not None
    }
    return await _add(
        store, complaint_id, site, kept, prepared.media_type, upload.name, personal, uploaded_by,
        web=copies.get("web"), thumb=copies.get("thumb"),
    )  # fmt: skip


async def upload(
    uow: UnitOfWork,
    complaint_id: UUID,
    file: BinaryIO,
    name: str,
    *,
    site: str,
    personal: bool,
    uploaded_by: str,
    limits: Limits,
) -> AttachedFile:
    """Store one file for the complaint (of ``site``, the caller's to see)."""
    checked = check(file, name, limits)
    async with uow() as conn:
        return await store_prepared(
            conn, complaint_id, checked, site=site, personal=personal, uploaded_by=uploaded_by,
            per_complaint=limits.per_complaint,
        )  # fmt: skip


async def keep_document(
    conn: Connection,
    complaint_id: UUID,
    site: str,
    content: bytes,
    name: str,
    *,
    uploaded_by: str,
) -> AttachedFile:
    """A document the desk made (the report's PDF), kept like an upload: it names the
    complainant, so it goes with their data."""
    store = AttachmentStore(conn)
    kept = await store.put(io.BytesIO(content), "application/pdf")
    return await _add(store, complaint_id, site, kept, "application/pdf", name, True, uploaded_by)


async def _add(
    store: AttachmentStore,
    complaint_id: UUID,
    site: str,
    kept: Blob,
    media_type: str,
    name: str,
    personal: bool,
    uploaded_by: str,
    *,
    web: str | None = None,
    thumb: str | None = None,
) -> AttachedFile:
    row = {
        "id": uuid4(), "complaint_id": complaint_id, "site": site, "sha256": kept.sha256,
        "web_sha256": web, "thumb_sha256": thumb, "media_type": media_type, "size": kept.size,
        "name": name, "personal": personal, "uploaded_by": uploaded_by,
    }  # fmt: skip
    await store.add(row)
    return reference_of(row)


async def content_of(store: AttachmentStore, file: AttachedFile) -> bytes:
    """A small file's bytes whole (a signature image)."""
    return b"".join([chunk async for chunk in store.chunks(file.sha256)])


def reference_of(row: Mapping[str, Any]) -> AttachedFile:
    return AttachedFile(
        id=row["id"], sha256=row["sha256"], media_type=row["media_type"], size=row["size"],
        name=row["name"], personal=row["personal"],
    )  # fmt: skip


async def resolve(
    store: AttachmentStore, complaint_id: UUID, ids: Sequence[UUID]
) -> tuple[AttachedFile, ...]:
    """The files a command names, as its event carries them: each must be the complaint's
    own and not erased."""
    found = []
    for file_id in dict.fromkeys(ids):  # each once, in the order given
        row = await store.get(file_id)
        if row is None or row["complaint_id"] != complaint_id or row["erased_at"] is not None:
            raise FileNotAttachable(file_id)
        found.append(reference(row))
    return tuple(found)


@dataclass(frozen=True)
class Fetched:
    file: AttachedFile
    site: str
    media_type: str
    sha256: str
    erased: bool


async def find(store: AttachmentStore, file_id: UUID, variant: Variant) -> Fetched | None:
    """The file (or its web or thumbnail copy); None if there is no such file."""
    row = await store.get(file_id)
    if row is None:
        return None
    sha = {"original": row["sha256"], "web": row["web_sha256"], "thumb": row["thumb_sha256"]}
    chosen = sha[variant] or row["sha256"]  # a PDF has no copies: the file itself
    media_type = row["media_type"] if chosen == row["sha256"] else "image/jpeg"
    return Fetched(reference(row), row["site"], media_type, chosen, row["erased_at"] is not None)


async def stream(uow: UnitOfWork, sha256: str) -> AsyncIterator[bytes]:
    """The stored bytes, a chunk at a time."""
    async with uow() as conn:
        async for chunk in AttachmentStore(conn).chunks(sha256):
            yield chunk
