"""Roles, sites, credentials and signatures: the rules alone, then the store on PostgreSQL."""

import re
from dataclasses import replace
from datetime import timedelta
from uuid import uuid4

import asyncpg
import pytest
from fastapi import APIRouter

from complaint_desk.shared.auth import Permission, Principal, Role, store
from complaint_desk.shared.auth.roles import OutOfScope, manages, validate_grant
from complaint_desk.shared.auth.secrets import (
    check_password,
    hash_password,
    new_token,
    signing_key,
    token_digest,
)
from complaint_desk.shared.auth.signatures import sign, verify
from complaint_desk.shared.runtime import ServiceSpec, create_app
from complaint_desk.shared.settings import ServiceSettings

P = Permission


def principal(role: Role, sites: set[str] | None = None, **grant: frozenset[str]) -> Principal:
    return Principal(
        uuid4(), f"{role}-x", role, None if sites is None else frozenset(sites), **grant
    )


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        (Role.DUTY_OFFICER, {P.READ, P.REGISTER, P.HANDLE}, {P.REVIEW, P.CONFIGURE_SITE, P.ERASE}),
        (Role.SUPERVISOR, {P.REVIEW, P.HANDLE}, {P.CONFIGURE_SITE, P.OPERATE}),
        (Role.SITE_ADMIN, {P.CONFIGURE_SITE, P.REVIEW}, {P.OPERATE, P.ERASE}),
        (Role.ORG_ADMIN, set(Permission), set()),
        (Role.AUDITOR, {P.READ, P.AUDIT}, {P.HANDLE, P.REGISTER, P.PERSONAL_DATA, P.OPERATE}),
        (Role.INTEGRATION, {P.READ}, {P.HANDLE, P.REGISTER, P.OPERATE}),
    ],
)
def test_each_role_holds_its_permissions_and_no_more(
    role: Role, allowed: set[Permission], refused: set[Permission]
) -> None:
    someone = principal(role)
    assert all(someone.can(p) for p in allowed)
    assert not any(someone.can(p) for p in refused)


def test_commands_follow_the_role_and_an_integration_its_own_list() -> None:
    officer = principal(Role.DUTY_OFFICER, {"HQ"})
    assert officer.may_command("acknowledge") and officer.may_command("receive")
    assert not officer.may_command("review/conclude")
    assert principal(Role.SUPERVISOR, {"HQ"}).may_command("review/conclude")
    assert not principal(Role.AUDITOR).may_command("acknowledge")
    crm = principal(Role.INTEGRATION, commands=frozenset({"acknowledge"}))
    assert crm.may_command("acknowledge") and not crm.may_command("close")
    maintenance = principal(Role.INTEGRATION, event_types=frozenset({"WorkOrderUpdate"}))
    assert maintenance.may_send("WorkOrderUpdate") and not maintenance.may_send("PurchaseUpdate")
    assert not principal(Role.ORG_ADMIN).may_send("WorkOrderUpdate"), "only integrations send"


def test_sites_scope_every_query() -> None:
    officer = principal(Role.DUTY_OFFICER, {"HQ", "NORTH"})
    assert officer.sees("hq") and not officer.sees("SOUTH") and not officer.sees(None)
    assert officer.scope(None) == ["HQ", "NORTH"]
    assert officer.scope("north") == ["NORTH"]
    with pytest.raises(OutOfScope):
        officer.scope("SOUTH")
    with pytest.raises(OutOfScope):
        officer.scope("*")  # every site's settings are not a site officer's
    admin = principal(Role.ORG_ADMIN)
    assert admin.scope(None) is None and admin.sees("ANY") and admin.scope("*") == ["*"]


def test_only_systems_name_another_actor() -> None:
    assert principal(Role.INTEGRATION).may_delegate() and principal(Role.ORG_ADMIN).may_delegate()
    assert not principal(Role.DUTY_OFFICER, {"HQ"}).may_delegate()
    assert not principal(Role.SUPERVISOR, {"HQ"}).may_delegate()


def test_grants_that_make_no_sense_are_refused() -> None:
    with pytest.raises(ValueError, match="whole organisation"):
        validate_grant(Role.ORG_ADMIN, frozenset({"HQ"}))
    with pytest.raises(ValueError, match="at least one site"):
        validate_grant(Role.DUTY_OFFICER, None)
    validate_grant(Role.AUDITOR, None)
    validate_grant(Role.AUDITOR, frozenset({"HQ"}))


def test_passwords_are_salted_scrypt_and_checked_in_constant_time() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    assert stored != hash_password("correct horse"), "salted"
    assert check_password("correct horse", stored)
    assert not check_password("wrong", stored)
    assert not check_password("anything", None)


def test_tokens_are_random_and_kept_as_digests() -> None:
    a, b = new_token(), new_token()
    assert a != b and a.startswith("desk_") and len(a) > 40
    assert token_digest(a) == token_digest(a) != token_digest(b)
    assert len(token_digest(a)) == 32


def test_a_signature_binds_the_key_the_topic_and_the_value() -> None:
    key = signing_key("master", "key-1")
    assert key != signing_key("master", "key-2") and key != signing_key("other", "key-1")
    headers = sign(key, "maintenance.work-order-updates", "key-1", b'{"a": 1}')
    assert verify(key, "maintenance.work-order-updates", headers, b'{"a": 1}')
    assert not verify(key, "maintenance.work-order-updates", headers, b'{"a": 2}')
    assert not verify(key, "procurement.purchase-updates", headers, b'{"a": 1}')
    assert not verify(signing_key("master", "key-2"), "maintenance.work-order-updates", headers,
                      b'{"a": 1}')  # fmt: skip
    assert not verify(key, "maintenance.work-order-updates", [], b'{"a": 1}')
    relabelled = [(n, b"key-2" if n == "desk-key-id" else v) for n, v in headers]
    assert not verify(key, "maintenance.work-order-updates", relabelled, b'{"a": 1}')


async def test_tokens_sessions_and_disabling_on_postgres(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        name = f"officer-{uuid4().hex[:8]}"
        pid = await store.save_principal(
            conn, store.Grant(name, Role.DUTY_OFFICER, frozenset({"HQ"}), password="pw-123456")
        )
        token = await store.issue_token(conn, pid, "laptop")
        assert token not in str(await conn.fetch("SELECT * FROM auth.credentials"))
        found = await store.authenticate(conn, token)
        assert found is not None and found.name == name and found.sites == frozenset({"HQ"})
        assert await store.authenticate(conn, token + "x") is None

        assert await store.sign_in(conn, name, "wrong", timedelta(hours=1)) is None
        session = await store.sign_in(conn, name, "pw-123456", timedelta(hours=1))
        assert session is not None and (await store.authenticate(conn, session)) == found
        expired = await store.sign_in(conn, name, "pw-123456", timedelta(seconds=-1))
        assert expired is not None and await store.authenticate(conn, expired) is None

        await store.revoke(conn, session)
        assert await store.authenticate(conn, session) is None
        # A new role and sites replace the old; the password stays unless a new one is given.
        await store.save_principal(conn, store.Grant(name, Role.SUPERVISOR, frozenset({"N"})))
        changed = await store.authenticate(conn, token)
        assert changed is not None and changed.role is Role.SUPERVISOR
        assert await store.sign_in(conn, name, "pw-123456", timedelta(hours=1)) is not None

        await store.disable(conn, name)
        assert await store.authenticate(conn, token) is None
        assert await store.sign_in(conn, name, "pw-123456", timedelta(hours=1)) is None
    finally:
        await conn.close()


async def test_the_bootstrap_admin_is_made_once_and_stays_disabled(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        token = new_token()
        await store.ensure_bootstrap_admin(conn, token)
        await store.ensure_bootstrap_admin(conn, token)  # every service, every start
        admin = await store.authenticate(conn, token)
        assert admin is not None and admin.role is Role.ORG_ADMIN and admin.sites is None
        await store.disable(conn, "bootstrap-admin")
        await store.ensure_bootstrap_admin(conn, token)  # restarted, the variable still set
        assert await store.authenticate(conn, token) is None
        assert await store.authenticate(conn, new_token()) is None
    finally:
        await conn.close()


def test_a_service_with_a_route_that_does_not_authenticate_is_not_built() -> None:
    open_door = APIRouter()

    @open_door.get("/complaints/{complaint_id}/secrets")
    async def secrets(complaint_id: str) -> dict[str, str]:
        return {"id": complaint_id}

    spec = ServiceSpec("probe", "Probe", "a service with an open door", ServiceSettings())
    assert create_app(spec) is not None
    with pytest.raises(RuntimeError, match=re.escape("GET /complaints/{complaint_id}/secrets")):
        create_app(replace(spec, routers=[open_door]))


def test_a_site_admin_grants_the_desks_roles_at_their_own_sites_only() -> None:
    admin = Principal(uuid4(), "lin", Role.SITE_ADMIN, frozenset({"NS", "ES"}))
    assert manages(admin, Role.DUTY_OFFICER, frozenset({"NS"}))
    assert manages(admin, Role.SITE_ADMIN, frozenset({"NS", "ES"}))
    assert not manages(admin, Role.DUTY_OFFICER, frozenset({"NS", "ZZ"})), "a site not theirs"
    assert not manages(admin, Role.ORG_ADMIN, None), "nobody organisation-wide"
    assert not manages(admin, Role.INTEGRATION, frozenset({"NS"}))
    assert not manages(admin, Role.AUDITOR, frozenset({"NS"}))
    assert not manages(admin, Role.DUTY_OFFICER, frozenset()), "someone of no site"
    officer = Principal(uuid4(), "wang", Role.SUPERVISOR, frozenset({"NS"}))
    assert not manages(officer, Role.DUTY_OFFICER, frozenset({"NS"}))
    org = Principal(uuid4(), "root", Role.ORG_ADMIN)
    assert manages(org, Role.ORG_ADMIN, None)
