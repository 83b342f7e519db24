"""Reading one inbound mail: who sent it, what it says, its files, what it replies to, and
whether a machine sent it (an auto-reply, a bounce, a list) — those never make a complaint
nor an acknowledgement (RFC 3834, RFC 3464). Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses

NUMBER = re.compile(r"\b([A-Z][A-Z0-9]{1,11}-\d{8}-\d{4})\b")
MACHINE_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|bounces?)([+\-@]|$)", re.I)
BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
TEXT_LIMIT = 4000


@dataclass(frozen=True)
class Incoming:
    sender: str  # the From address, lower-cased
    sender_name: str
    subject: str
    text: str
    message_id: str
    references: tuple[str, ...]  # In-Reply-To, then References, newest first
    numbers: tuple[str, ...]  # complaint numbers the subject quotes
    files: tuple[tuple[str, bytes], ...] = field(default=())
    automated: str | None = None  # why a machine sent it; None for a person's mail


def automated(mail: EmailMessage, envelope_sender: str) -> str | None:
    """Why this mail was sent by a machine (None: a person wrote it)."""
    if not envelope_sender or envelope_sender == "<>":
        return "null sender (a bounce)"
    auto = str(mail.get("Auto-Submitted", "no")).strip().lower()
    if auto != "no":
        return f"Auto-Submitted: {auto[:40]}"
    if str(mail.get("Precedence", "")).strip().lower() in BULK_PRECEDENCE:
        return "Precedence: bulk or auto-reply"
    if mail.get("X-Auto-Response-Suppress") is not None or mail.get("X-Autoreply") is not None:
        return "an auto-responder's header"
    if mail.get("List-Id") is not None or mail.get("List-Unsubscribe") is not None:
        return "a mailing list"
    if mail.get_content_type() == "multipart/report":
        return "a delivery report"
    local = envelope_sender.strip("<>").rsplit("@", 1)[0]
    if MACHINE_SENDERS.match(local):
        return "a mailer daemon"
    return None


def _body(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = part.get_content() if isinstance(part, EmailMessage) else ""
    if part.get_content_type() == "text/html":
        text = re.sub(r"<[^>]+>", " ", str(text))
    return _without_quote(str(text)).strip()


def _without_quote(text: str) -> str:
    """A reply's own words: the quoted mail below them dropped."""
    kept = []
    for line in text.splitlines():
        if line.startswith(">") or re.match(r"^(On .+ wrote:|.*於.+寫道：?)$", line.strip()):
            break
        kept.append(line)
    return "\n".join(kept)


def read(raw: bytes, envelope_sender: str) -> Incoming:
    mail = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(mail, EmailMessage)
    from_header = mail.get("From", "")
    pairs = getaddresses([str(from_header)]) or [("", envelope_sender)]
    name, address = pairs[0]
    address = (address or envelope_sender).strip("<>").lower()
    subject = " ".join(str(mail.get("Subject", "")).split())[:200]
    refs = [str(mail.get("In-Reply-To", "")), *str(mail.get("References", "")).split()[::-1]]
    files = tuple(
        (part.get_filename() or "attachment", part.get_content())
        for part in mail.iter_attachments()
        if isinstance(part.get_content(), bytes)
    )
    return Incoming(
        sender=address,
        sender_name=(name or address.split("@", 1)[0])[:200],
        subject=subject,
        text=_body(mail)[:TEXT_LIMIT],
        message_id=str(mail.get("Message-ID", "")).strip()[:300],
        references=tuple(r.strip() for r in refs if r.strip()),
        numbers=tuple(dict.fromkeys(NUMBER.findall(subject))),
        files=files,
        automated=automated(mail, envelope_sender),
    )
