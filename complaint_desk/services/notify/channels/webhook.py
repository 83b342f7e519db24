"""Webhooks per the Standard Webhooks spec: ``webhook-id``, ``webhook-timestamp`` and
``webhook-signature`` headers; the body is the event as CloudEvents JSON. During a secret
rotation every valid secret signs, so receivers holding either one verify."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import aiohttp
from standardwebhooks.webhooks import Webhook

from .base import Gone, Message, PermanentFailure, TemporaryFailure
from .targets import INTERNAL_REFUSED, RefusedAddress, check_url


class WebhookChannel:
    name = "webhook"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        allow_loopback: bool = False,
        allowed_hosts: frozenset[str] = frozenset(),
    ) -> None:
        self.session = session
        self.allow_loopback = allow_loopback
        self.allowed_hosts = allowed_hosts

    @staticmethod
    def sign(message: Message, body: str, at: datetime) -> dict[str, str]:
        signatures = " ".join(
            Webhook(secret).sign(str(message.delivery_id), at, body) for secret in message.secrets
        )
        return {
            "webhook-id": str(message.delivery_id),
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signatures,
            "content-type": "application/cloudevents+json",
        }

    async def send(self, message: Message) -> None:
        await check_url(
            message.destination,
            allow_loopback=self.allow_loopback,
            allowed_hosts=self.allowed_hosts,
        )
        body = json.dumps(message.payload, ensure_ascii=False, separators=(",", ":"))
        headers = self.sign(message, body, datetime.now(UTC))
        if message.payload.get("traceparent"):  # the event's trace goes on to the receiver
            headers["traceparent"] = str(message.payload["traceparent"])
        try:
            # A redirect could lead anywhere, inside the network too: refused, not followed.
            async with self.session.post(
                message.destination, data=body.encode(), headers=headers, allow_redirects=False
            ) as response:
                status = response.status
                await response.read()
        except TimeoutError:
            raise TemporaryFailure("timed out") from None
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, RefusedAddress) or isinstance(
                exc.__cause__, RefusedAddress
            ):
                raise PermanentFailure(INTERNAL_REFUSED) from None
            # Not why it failed: refused, reset or unreachable would map the network.
            raise TemporaryFailure("could not connect") from None
        except aiohttp.ClientError as exc:
            raise TemporaryFailure(type(exc).__name__) from None
        if 200 <= status < 300:
            return
        if status == 410:
            raise Gone("410 Gone: the endpoint asked to be disabled")
        if 300 <= status < 400:
            raise PermanentFailure(f"{status} redirect refused (redirects are not followed)")
        if status in (408, 425, 429) or status >= 500:
            raise TemporaryFailure(f"HTTP {status}")
        raise PermanentFailure(f"HTTP {status}")
