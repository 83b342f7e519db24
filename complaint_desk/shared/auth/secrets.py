"""Credentials: random bearer tokens (kept only as SHA-256 digests) and console passwords
(kept only as scrypt hashes)."""

import hashlib
import hmac
import secrets

TOKEN_PREFIX = "desk_"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> bytes:
    """Tokens carry 256 random bits, so a fast digest is enough; a guess cannot be tested
    offline faster than the space can be searched."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${key.hex()}"


def check_password(password: str, stored: str | None) -> bool:
    if not stored or not stored.startswith("scrypt$"):
        # Spend the same time as a real check, so a missing user is not faster to refuse.
        hashlib.scrypt(password.encode(), salt=b"\0" * 16, **_SCRYPT)
        return False
    _, salt, key = stored.split("$")
    given = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **_SCRYPT)
    return hmac.compare_digest(given, bytes.fromhex(key))


def signing_key(master: str, principal_id: str) -> bytes:
    """An integration's message-signing key, derived from the server's master secret, so that
    no signing key is stored anywhere."""
    return hmac.new(
        master.encode(), b"integration-signing:" + principal_id.encode(), "sha256"
    ).digest()
