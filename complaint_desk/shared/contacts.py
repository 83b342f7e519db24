"""Keys that recognise the same complainant or place without keeping what they were made from."""

import hashlib
import hmac
import re


def location_key(location: str) -> str:
    """The same place however it was typed: no spaces, case folded."""
    return re.sub(r"\s+", "", location).casefold()


def contact_keys(
    phone: str | None, email: str | None, secret: str
) -> tuple[str | None, str | None]:
    """Keyed hashes of the complainant's contacts: comparable, not readable."""

    def key(value: str) -> str:
        return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()

    digits = re.sub(r"\D", "", phone or "")
    return (
        key("tel:" + digits) if digits else None,
        key("mail:" + email.casefold()) if email else None,
    )


def complainant_key(phone: str | None, email: str | None, secret: str) -> str | None:
    """One key per complainant: by phone if given, else by email; None if neither."""
    phone_key, email_key = contact_keys(phone, email, secret)
    return phone_key or email_key
