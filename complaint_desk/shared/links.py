"""Signed references to a complaint that the complainant holds: the status page's link, and
the thread id in the Message-ID of the desk's mail (a reply's In-Reply-To names it). Each is
the complaint's id and an HMAC for one purpose, so one can never stand for the other, and
nothing but the secret's holder can make one."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Literal
from uuid import UUID

Purpose = Literal["status", "thread"]
MAC_BYTES = 12


class BadLink(ValueError):
    """Not a reference this desk made (malformed, or its signature does not match)."""


def _mac(secret: str, purpose: Purpose, complaint_id: UUID) -> bytes:
    message = purpose.encode() + b":" + complaint_id.bytes
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()[:MAC_BYTES]


def sign(secret: str, purpose: Purpose, complaint_id: UUID) -> str:
    raw = complaint_id.bytes + _mac(secret, purpose, complaint_id)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read(secret: str, purpose: Purpose, token: str) -> UUID:
    """The complaint a genuine token names; :class:`BadLink` otherwise."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError):
        raise BadLink("malformed") from None
    if len(raw) != 16 + MAC_BYTES:
        raise BadLink("malformed")
    complaint_id = UUID(bytes=raw[:16])
    if not hmac.compare_digest(raw[16:], _mac(secret, purpose, complaint_id)):
        raise BadLink("signature does not match")
    return complaint_id


def status_url(base_url: str, secret: str, complaint_id: UUID) -> str:
    """The complainant's status page (查詢處理進度)."""
    return f"{base_url.rstrip('/')}/status/{sign(secret, 'status', complaint_id)}"


THREAD_DOMAIN = "complaint-desk"


def thread_message_id(secret: str, complaint_id: UUID, unique: str) -> str:
    """A Message-ID for mail about the complaint: a reply's In-Reply-To leads back to it."""
    return f"<{sign(secret, 'thread', complaint_id)}.{unique}@{THREAD_DOMAIN}>"


def complaint_of_message_id(secret: str, message_id: str) -> UUID | None:
    """The complaint a Message-ID of ours names (None: not one of ours, or forged)."""
    inner = message_id.strip().strip("<>")
    local, _, domain = inner.partition("@")
    if domain != THREAD_DOMAIN or "." not in local:
        return None
    try:
        return read(secret, "thread", local.split(".", 1)[0])
    except BadLink:
        return None
