"""Real servers the notification tests send to: an SMTP server (aiosmtpd), and an HTTP
server that verifies Standard Webhooks signatures and plays the SMS gateway. Each runs in a
thread of its own, like a separate system."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from email.message import Message
from typing import Any

import uvicorn
from aiosmtpd.controller import Controller
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from complaint_desk.tools.devstack.postgres import free_port


class SmtpSink:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        """Refuses recipients named ``refused…``, quoting them, as real servers do."""
        if address.startswith("refused"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: user unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        return "250 OK"

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


class HttpSink:
    """POST /hook/{name} behaves as ``behaviors[name]`` says: ok (verify and keep), gone (410),
    redirect (302), fail (500) or slow (answers after 30 s). POST /sms is the SMS gateway."""

    def __init__(self) -> None:
        self.port = free_port()
        self.secrets: dict[str, list[str]] = {}
        self.behaviors: dict[str, str] = {}
        self.hooks: list[dict[str, Any]] = []
        self.sms: list[dict[str, Any]] = []
        self.sms_behavior = "ok"
        app = Starlette(
            routes=[
                Route("/hook/{name}", self._hook, methods=["POST"]),
                Route("/sms", self._sms, methods=["POST"]),
            ]
        )
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/hook/{name}"

    @property
    def sms_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms"

    async def _hook(self, request: Request) -> Response:
        name = request.path_params["name"]
        behavior = self.behaviors.get(name, "ok")
        if behavior == "gone":
            return Response(status_code=410)
        if behavior == "redirect":
            return Response(status_code=302, headers={"location": self.url("elsewhere")})
        if behavior == "fail":
            return Response(status_code=500)
        if behavior == "slow":
            await asyncio.sleep(30)
        body = await request.body()
        verified_with = []
        for secret in self.secrets.get(name, []):
            try:
                Webhook(secret).verify(body, dict(request.headers))
                verified_with.append(secret)
            except WebhookVerificationError:
                pass
        self.hooks.append(
            {
                "name": name,
                "headers": dict(request.headers),
                "body": body,
                "verified_with": verified_with,
            }
        )
        return Response(status_code=204)

    async def _sms(self, request: Request) -> Response:
        if self.sms_behavior == "fail":
            return Response(status_code=503)
        if self.sms_behavior == "refuse":
            return JSONResponse({"error": "bad number"}, status_code=400)
        self.sms.append(await request.json())
        return JSONResponse({"accepted": True})

    def start(self) -> HttpSink:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(5)

    def for_hook(self, name: str) -> list[dict[str, Any]]:
        return [h for h in self.hooks if h["name"] == name]
