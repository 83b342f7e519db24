"""Credentials for tests against a running system: the bootstrap admin the services create
from BOOTSTRAP_ADMIN_TOKEN, more users with their own tokens, and integrations that sign."""

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from complaint_desk.shared.auth import Role, store
from complaint_desk.shared.auth.secrets import signing_key
from complaint_desk.shared.auth.signatures import sign

ADMIN_TOKEN = "desk_test-bootstrap-admin-0123456789abcdef0123456789"
SIGNING_SECRET = "test-integration-signing-secret"
ENV = {"BOOTSTRAP_ADMIN_TOKEN": ADMIN_TOKEN, "INTEGRATION_SIGNING_SECRET": SIGNING_SECRET}
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@dataclass(frozen=True)
class Signer:
    key_id: str
    key: bytes

    def headers(self, topic: str, value: bytes) -> list[tuple[str, bytes]]:
        return sign(self.key, topic, self.key_id, value)


async def _grant(database_url: str, grant: store.Grant) -> tuple[asyncpg.Connection, str]:
    conn = await asyncpg.connect(database_url)
    return conn, str(await store.save_principal(conn, grant))


async def user(
    database_url: str,
    name: str,
    role: Role,
    sites: Iterable[str] | None = None,
    password: str | None = None,
    commands: Iterable[str] = (),
) -> dict[str, str]:
    """A user or system with an API token: the headers to send."""
    grant = store.Grant(name, role, store.sites_of(sites), frozenset(commands), password=password)
    conn, pid = await _grant(database_url, grant)
    try:
        token = await store.issue_token(conn, UUID(pid), "test")
    finally:
        await conn.close()
    return {"Authorization": f"Bearer {token}"}


async def integration(
    database_url: str,
    name: str,
    *,
    event_types: Iterable[str] = (),
    commands: Iterable[str] = (),
    sites: Iterable[str] | None = None,
) -> Signer:
    grant = store.Grant(
        name,
        Role.INTEGRATION,
        store.sites_of(sites),
        frozenset(commands),
        frozenset(event_types),
    )
    conn, pid = await _grant(database_url, grant)
    await conn.close()
    return Signer(pid, signing_key(SIGNING_SECRET, pid))
