"""The SMTP receiver (aiosmtpd) on the service's own loop: it accepts mail only for the
sites' mailboxes, answers 250 once the mail is durable (a complaint, a message, or set
aside as automated), 451 when it must be tried again (too many from one sender, or the
database is away: the relay keeps it), and 552 past the size limit."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from complaint_desk.shared.runtime import ServiceRuntime
from complaint_desk.shared.throttle import Throttle

from ..settings import IntakeSettings
from .parse import read
from .service import MAIL, receive_mail

log = logging.getLogger(__name__)
HOUR = 3600.0


class MailHandler:
    """aiosmtpd's handler: RCPT checks the mailbox, DATA records the mail."""

    def __init__(self, runtime: ServiceRuntime, settings: IntakeSettings) -> None:
        self.runtime, self.settings = runtime, settings
        self.mailboxes = {a.lower(): s.upper() for a, s in settings.mail_addresses.items()}
        self.by_sender = Throttle(settings.mail_per_sender_per_hour, HOUR)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.lower() not in self.mailboxes:
            return "550 5.1.1 No such mailbox here"
        if envelope.rcpt_tos:
            return "452 4.5.3 One mailbox per message, please"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        site = self.mailboxes[envelope.rcpt_tos[0].lower()]
        sender = (envelope.mail_from or "").lower()
        raw = envelope.original_content or b""
        mail = read(raw if isinstance(raw, bytes) else raw.encode(), sender)
        if not mail.automated:
            if self.by_sender.wait(mail.sender) > 0:
                MAIL.labels("refused").inc()
                return "451 4.7.1 Too many messages from this sender; try again later"
            self.by_sender.fail(mail.sender)
        try:
            outcome = await receive_mail(
                self.runtime.uow, self.runtime.keyring, self.settings, mail, site
            )
        except Exception:  # the relay keeps the mail and tries again: nothing is lost
            log.exception("a mail could not be recorded")
            return "451 4.3.0 Temporary failure; try again later"
        return f"250 OK {outcome.kind}" + (f" {outcome.number}" if outcome.number else "")


async def mailbox(runtime: ServiceRuntime) -> None:
    """The background job: the SMTP receiver, when a port is set (INTAKE_MAIL_PORT)."""
    settings = runtime.settings
    assert isinstance(settings, IntakeSettings)
    if not settings.mail_port:
        return
    handler = MailHandler(runtime, settings)

    def protocol() -> Any:
        return SMTP(
            handler, data_size_limit=settings.mail_max_bytes, enable_SMTPUTF8=True,
            hostname="complaint-desk", ident="complaint-desk intake",
        )  # fmt: skip

    loop = asyncio.get_running_loop()
    server = await loop.create_server(protocol, settings.mail_host, settings.mail_port)
    log.info("mailbox listening", extra={"port": settings.mail_port})
    async with server:
        await server.serve_forever()
