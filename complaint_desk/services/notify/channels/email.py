"""Email over SMTP with aiosmtplib."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from complaint_desk.shared.links import THREAD_DOMAIN

from .base import Message, PermanentFailure, TemporaryFailure


class EmailChannel:
    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        username: str | None = None,
        password: str | None = None,
        start_tls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password = username, password
        self.start_tls, self.timeout = start_tls, timeout

    async def send(self, message: Message) -> None:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.destination
        mail["Subject"] = message.subject
        # Mail about a complaint carries its signed thread id: a reply threads back to it.
        thread = message.payload.get("thread")
        local = f"{thread}.{message.delivery_id}" if thread else str(message.delivery_id)
        mail["Message-ID"] = f"<{local}@{THREAD_DOMAIN}>"
        mail.set_content(message.body)
        try:
            await aiosmtplib.send(
                mail,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                start_tls=self.start_tls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"recipient refused: {exc}"[:300]) from None
        except aiosmtplib.SMTPResponseException as exc:
            failure = PermanentFailure if 500 <= exc.code < 600 else TemporaryFailure
            raise failure(f"SMTP {exc.code}: {exc.message}"[:300]) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}"[:300]) from None
