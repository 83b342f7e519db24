"""Where a message can go: each channel's address checked where it is entered and again
before sending, and error texts cleared of addresses before they are stored or published
(an SMTP refusal quotes the recipient; the error enters the permanent log)."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
# A complainant's phone as the desk typed it: local or international, with separators.
DIALLABLE = re.compile(r"^\+?[0-9][0-9 ()-]{5,22}[0-9]$")
EMAIL_IN_TEXT = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")
PHONE_IN_TEXT = re.compile(r"\+?\d[\d ()-]{5,}\d")


def email_problem(address: str) -> str | None:
    """Why ``address`` is not an email address we can send to, or None."""
    if any(c in address for c in "\r\n\t\0"):
        return "an email address holds no line breaks or control characters"
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        return f"not a valid email address: {exc}"
    return None


def phone_problem(number: str, *, strict: bool) -> str | None:
    """Why ``number`` is not a phone number for SMS, or None. ``strict``: E.164 (+8869…), as
    a directory entry must be; otherwise as a complainant's was typed."""
    compact = re.sub(r"[ ()-]", "", number)
    if strict:
        return None if E164.match(compact) else "a phone number in E.164 form, e.g. +886912345678"
    return None if DIALLABLE.match(number.strip()) else "not a phone number"


def url_problem(url: str, *, allow_http: bool) -> str | None:
    if url.startswith("https://") or (allow_http and url.startswith("http://")):
        return None
    return "a webhook URL starts with https://"


def problem(channel: str, destination: str, *, strict: bool = True) -> str | None:
    """Why ``destination`` cannot receive on ``channel``, or None."""
    if channel == "email":
        return email_problem(destination)
    if channel == "sms":
        return phone_problem(destination, strict=strict)
    return None


def redact(text: str, *destinations: str) -> str:
    """``text`` without any address in it: the destinations given, and anything that looks
    like an email address or a phone number."""
    for destination in destinations:
        if destination:
            text = text.replace(destination, "<destination>")
    text = EMAIL_IN_TEXT.sub("<email>", text)
    return PHONE_IN_TEXT.sub("<phone>", text)
