"""Signed messages from other systems: an HMAC-SHA256 over the topic, the key id and the
record's value, in Kafka headers. The key is the integration's signing key (see
:func:`.secrets.signing_key`); whoever holds it speaks for that integration.

    desk-key-id:    the integration's principal id
    desk-signature: v1=<hex digest>
"""

from __future__ import annotations

import hashlib
import hmac

KEY_ID = "desk-key-id"
SIGNATURE = "desk-signature"


def _digest(key: bytes, topic: str, key_id: str, value: bytes) -> str:
    message = b"\n".join([topic.encode(), key_id.encode(), hashlib.sha256(value).digest()])
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sign(key: bytes, topic: str, key_id: str, value: bytes) -> list[tuple[str, bytes]]:
    """The headers to add to a record sent on ``topic``."""
    return [
        (KEY_ID, key_id.encode()),
        (SIGNATURE, f"v1={_digest(key, topic, key_id, value)}".encode()),
    ]


def claimed_key_id(headers: list[tuple[str, bytes]]) -> str | None:
    for name, value in headers:
        if name == KEY_ID:
            return value.decode("ascii", "replace")
    return None


def verify(key: bytes, topic: str, headers: list[tuple[str, bytes]], value: bytes) -> bool:
    key_id = claimed_key_id(headers)
    given = next((v for n, v in headers if n == SIGNATURE), None)
    if key_id is None or given is None:
        return False
    expected = f"v1={_digest(key, topic, key_id, value)}".encode()
    return hmac.compare_digest(expected, given)
