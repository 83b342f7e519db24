"""Complainants' personal data: sealed with AES-GCM under a key per complainant, kept
outside the event log; erasing a person is deleting their key (crypto-shredding)."""

from typing import Any

from complaint_desk.shared.privacy.sealing import (
    ERASED,
    MASKED,
    is_sealed,
    seal,
    subject_of,
    unseal,
)

# The fields of an event's data that hold personal data (sealed since ComplaintReceived v2).
PERSONAL_FIELDS = ("complainant_name", "phone", "email")


def without_personal_data(data: dict[str, Any]) -> dict[str, Any]:
    """Event data as it may leave the system by default (webhooks, message bodies)."""
    return {k: v for k, v in data.items() if k not in PERSONAL_FIELDS}


__all__ = [
    "ERASED",
    "MASKED",
    "PERSONAL_FIELDS",
    "is_sealed",
    "seal",
    "subject_of",
    "unseal",
    "without_personal_data",
]
