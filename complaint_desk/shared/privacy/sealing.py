"""Sealed values: ``pd1.<subject>.<base64url(nonce ‖ AES-GCM ciphertext)>``. The subject (a
random id for the complainant) names the key and is bound into the ciphertext, so a value
cannot be moved to another person. Pure: keys come from the caller."""

from __future__ import annotations

import base64
import hashlib
import os
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "pd1."
ERASED = "（已抹除）erased"  # what a sealed value reads as once its key is gone
MASKED = "＊＊＊"  # what it reads as to someone without the right to personal data


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def seal(key: bytes, subject: UUID, value: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, value.encode(), subject.bytes)
    return f"{PREFIX}{subject}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def subject_of(value: str) -> UUID:
    """The complainant a sealed value belongs to; ValueError if it is not one."""
    if not is_sealed(value):
        raise ValueError("not a sealed value")
    return UUID(value[len(PREFIX) :].split(".", 1)[0])


def unseal(key: bytes, value: str) -> str:
    subject = subject_of(value)
    raw = base64.urlsafe_b64decode(value.rsplit(".", 1)[1])
    return AESGCM(key).decrypt(raw[:12], raw[12:], subject.bytes).decode()


def wrap(master: bytes, subject: UUID, key: bytes) -> bytes:
    """A complainant's key encrypted under the master key, as it is stored."""
    nonce = os.urandom(12)
    return nonce + AESGCM(master).encrypt(nonce, key, b"subject-key:" + subject.bytes)


def unwrap(master: bytes, subject: UUID, wrapped: bytes) -> bytes:
    return AESGCM(master).decrypt(wrapped[:12], wrapped[12:], b"subject-key:" + subject.bytes)


def master_key(setting: str) -> bytes:
    """The master key from its setting: 32 bytes, base64; anything else (a passphrase in
    development) is stretched to 32 bytes."""
    try:
        raw = base64.b64decode(setting, validate=True)
        if len(raw) == 32:
            return raw
    except ValueError:
        pass
    return hashlib.sha256(b"desk-personal-data:" + setting.encode()).digest()
