"""The principals and their credentials in PostgreSQL (schema ``auth``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from complaint_desk.contract.events import utcnow
from complaint_desk.shared.auth.roles import Principal, Role, validate_grant
from complaint_desk.shared.auth.secrets import (
    check_password,
    hash_password,
    new_token,
    token_digest,
)
from complaint_desk.shared.queries import load

Q = load(Path(__file__).resolve().parent.parent / "sql" / "queries" / "auth.sql")
Executor = Any  # a pool, a connection or a pool's connection proxy


def _principal(row: asyncpg.Record) -> Principal:
    return Principal(
        id=row["id"],
        name=row["name"],
        role=Role(row["role"]),
        sites=None if row["sites"] is None else frozenset(row["sites"]),
        commands=frozenset(row["commands"]),
        event_types=frozenset(row["event_types"]),
    )


async def authenticate(db: Executor, token: str) -> Principal | None:
    """The principal an API token or console session belongs to, if it is valid now."""
    row = await db.fetchrow(Q.principal_for_credential, token_digest(token))
    return None if row is None else _principal(row)


async def principal_named(db: Executor, name: str) -> Principal | None:
    """The enabled principal of that name."""
    row = await db.fetchrow(Q.principal_by_name, name)
    return None if row is None else _principal(row)


async def principal(db: Executor, principal_id: UUID) -> Principal | None:
    row = await db.fetchrow(Q.principal_by_id, principal_id)
    return None if row is None else _principal(row)


@dataclass(frozen=True)
class Grant:
    name: str
    role: Role
    sites: frozenset[str] | None = None
    commands: frozenset[str] = frozenset()
    event_types: frozenset[str] = frozenset()
    password: str | None = None


async def save_principal(db: Executor, grant: Grant) -> UUID:
    """Create the principal, or change its role, sites and (if given) password."""
    validate_grant(grant.role, grant.sites)
    sites = None if grant.sites is None else sorted(s.upper() for s in grant.sites)
    password = hash_password(grant.password) if grant.password else None
    return await db.fetchval(  # type: ignore[no-any-return]
        Q.upsert_principal,
        uuid4(),
        grant.name,
        grant.role.value,
        sites,
        sorted(grant.commands),
        sorted(grant.event_types),
        password,
    )


async def issue_token(
    db: Executor, principal_id: UUID, label: str | None = None, *, token: str | None = None
) -> str:
    """A new API token; only its digest is stored, so this is the one time it is seen."""
    token = token or new_token()
    await db.execute(Q.add_credential, token_digest(token), principal_id, "api", label, None)
    return token


async def sign_in(db: Executor, name: str, password: str, lifetime: timedelta) -> str | None:
    """A console session for a name and password, or None."""
    row = await db.fetchrow(Q.principal_by_name, name)
    if not check_password(password, row["password_hash"] if row else None):
        return None
    assert row is not None
    token = new_token()
    await db.execute(
        Q.add_credential, token_digest(token), row["id"], "session", None, utcnow() + lifetime
    )
    await db.execute(Q.forget_expired_sessions)
    return token


async def revoke(db: Executor, token: str) -> None:
    await db.execute(Q.revoke_credential, token_digest(token))


async def disable(db: Executor, name: str) -> bool:
    """The principal can no longer sign in, and every credential of theirs stops working;
    False if there was no enabled principal of that name."""
    return await db.fetchval(Q.disable_principal, name) is not None


async def enable(db: Executor, name: str) -> bool:
    """A disabled principal may sign in again (its old tokens stay revoked); False if there
    was no disabled principal of that name."""
    return await db.fetchval(Q.enable_principal, name) is not None


async def exists(db: Executor, name: str) -> bool | None:
    """None: no principal of that name; else whether it is disabled."""
    disabled: bool | None = await db.fetchval(Q.principal_exists, name)
    return disabled


async def set_password(db: Executor, name: str, password: str) -> bool:
    """A new console password for an enabled principal (their sessions end); False if there
    is none of that name enabled."""
    return await db.fetchval(Q.set_password, name, hash_password(password)) is not None


async def principals(db: Executor) -> list[dict[str, Any]]:
    return [dict(r) for r in await db.fetch(Q.list_principals)]


async def record_refusal(
    db: Executor, channel: str, reason: str, principal: str | None, **detail: Any
) -> None:
    await db.execute(Q.record_refusal, channel, reason, principal, detail)


async def refusals(db: Executor, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    return [dict(r) for r in await db.fetch(Q.refusals, limit, offset)]


async def ensure_bootstrap_admin(db: Executor, token: str) -> None:
    """The first organisation admin, from a token the operator chose (BOOTSTRAP_ADMIN_TOKEN):
    how a new installation is first entered. Idempotent, and never undoes ``disable``: a
    service restarted with the variable still set does not bring the admin back."""
    pid = await db.fetchval(Q.add_principal_once, uuid4(), "bootstrap-admin", Role.ORG_ADMIN.value)
    await issue_token(db, pid, "bootstrap", token=token)


def sites_of(values: Iterable[str] | None) -> frozenset[str] | None:
    return None if values is None else frozenset(v.strip().upper() for v in values if v.strip())
