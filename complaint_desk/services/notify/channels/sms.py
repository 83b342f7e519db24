"""SMS through an HTTP gateway, with a generic JSON contract (see docs/sms-gateway.md):

    POST {gateway_url}
    Authorization: Bearer {token}
    {"to": "+886912345678", "text": "…", "reference": "<delivery id>"}

2xx is accepted; 4xx is a permanent refusal; 408, 429 and 5xx are worth another try.
"""

from __future__ import annotations

import aiohttp

from .base import Message, PermanentFailure, TemporaryFailure


class SmsChannel:
    name = "sms"

    def __init__(self, session: aiohttp.ClientSession, gateway_url: str, token: str | None) -> None:
        self.session, self.gateway_url, self.token = session, gateway_url, token

    async def send(self, message: Message) -> None:
        headers = {"authorization": f"Bearer {self.token}"} if self.token else {}
        body = {
            "to": message.destination,
            "text": message.body,
            "reference": str(message.delivery_id),
        }
        try:
            async with self.session.post(
                self.gateway_url, json=body, headers=headers, allow_redirects=False
            ) as response:
                status = response.status
                await response.read()
        except TimeoutError:
            raise TemporaryFailure("SMS gateway timed out") from None
        except aiohttp.ClientError as exc:
            raise TemporaryFailure(f"SMS gateway unreachable: {type(exc).__name__}") from None
        if 200 <= status < 300:
            return
        if status in (408, 429) or status >= 500:
            raise TemporaryFailure(f"SMS gateway HTTP {status}")
        raise PermanentFailure(f"SMS gateway refused: HTTP {status}")
