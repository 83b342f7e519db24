"""The port every channel implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID


@dataclass(frozen=True)
class Message:
    """One delivery, as a channel sends it."""

    delivery_id: UUID
    destination: str  # a URL, an email address or a phone number
    subject: str
    body: str
    payload: dict[str, Any]  # for webhooks: the CloudEvent
    secrets: tuple[str, ...] = ()  # for webhooks: every secret currently valid


class TemporaryFailure(Exception):
    """Worth another try later (timeouts, 5xx, refused connections)."""


class PermanentFailure(Exception):
    """Another try would fail the same way (4xx, a refused address, a redirect)."""


class Gone(PermanentFailure):
    """The endpoint says it is gone for good (410): disable it."""


class Channel(Protocol):
    """Sends a message or raises one of the failures above."""

    name: str

    async def send(self, message: Message) -> None: ...
