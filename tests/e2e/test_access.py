"""Authentication and site scoping on every route of every service, against the running
system: no credential gets 401 everywhere but the public routes; a duty officer of site SA
gets 403 or 404 for every object of site SB, sees none of SB in any list, and changes
nothing of SB's. Then the roles, and the fields only the server sets."""

import re
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from complaint_desk.services.intake.app import build_app as intake_app
from complaint_desk.services.intake.tests.factory import BODIES as FIXED_BODIES
from complaint_desk.services.intake.tests.test_media import photo_with_gps
from complaint_desk.services.notify.app import build_app as notify_app
from complaint_desk.services.projections.app import build_app as projections_app
from complaint_desk.services.sla.app import build_app as sla_app
from complaint_desk.shared.auth import Role, store
from complaint_desk.shared.auth.http import PUBLIC, api_routes
from conftest import eventually
from tests.credentials import ADMIN, user

from .conftest import System
from .desk import later
from .helpers import complaint

pytestmark = pytest.mark.e2e

APPS: dict[str, FastAPI] = {
    "intake": intake_app(),
    "sla": sla_app(),
    "notify": notify_app(),
    "projections": projections_app(),
}
ROUTES = [
    (service, method, route)
    for service, app in APPS.items()
    for route in api_routes(app)
    for method in sorted(route.methods or ())
]
# The aggregate tests' bodies, with a task due after the real now (intake refuses a past one).
BODIES = {**FIXED_BODIES, "tasks": {**FIXED_BODIES["tasks"], "due_at": later(2)}}
OBJECT_PARAMS = {
    "complaint_id", "task_id", "site", "subscription_id", "delivery_id", "attachment_id",
    "problem_id", "action_id", "schedule_id",
}  # fmt: skip
LEARNING_BODIES: dict[str, Any] = {
    "/problems": {"site": "SB", "title": "x"},
    "/problems/{problem_id}/complaints": {"complaints": [str(uuid4())]},
    "/problems/{problem_id}/cause": {"analysis": "x"},
    "/problems/{problem_id}/actions": {
        "kind": "other", "description": "x", "owner": "x", "due_on": "2027-01-04"
    },
    "/problems/{problem_id}/reopen": {"reason": "x"},
    "/inspections": {
        "site": "SB", "place": "SB-PLACE", "description": "x",
        "plan": {"every_days": 7, "starts_on": "2027-01-04"},
    },
    "/inspections/{schedule_id}/end": {"reason": "x"},
}  # fmt: skip


class World:
    """Site SB's objects, and SA's officer who must not reach them."""

    def __init__(
        self,
        ids: dict[str, str],
        officer: dict[str, str],
        bodies: dict[str, Any],
        last_command: dict[str, Any],
    ) -> None:
        self.ids, self.officer, self.bodies = ids, officer, bodies
        # The answer to the last command that set SB's complaint up: its version and position.
        self.last_command = last_command


@pytest.fixture(scope="module")
async def world(system: System, system_db: asyncpg.Pool) -> AsyncIterator[World]:
    async with httpx.AsyncClient(timeout=15, headers=ADMIN) as admin:
        intake = system.url("intake")
        b = (await admin.post(f"{intake}/complaints", json=complaint(site="SB"))).json()
        await admin.post(f"{intake}/complaints", json=complaint(site="SA"))
        for name in ("classify", "resolution", "resolution/accept"):
            r = await admin.post(f"{intake}/complaints/{b['id']}/{name}", json=BODIES[name])
            assert r.status_code == 200, r.text
        r = await admin.post(f"{intake}/complaints/{b['id']}/tasks", json=BODIES["tasks"])
        assert r.status_code == 200, r.text
        task, last_command = r.json()["created_id"], r.json()
        sub = await admin.post(
            f"{system.url('notify')}/subscriptions",
            json={"name": "sb", "site": "SB", "event_types": ["*"], "channel": "email",
                  "destination": "sb@example.org"},
        )  # fmt: skip
        assert sub.status_code == 201, sub.text
        sla = system.url("sla")
        policy = (await admin.get(f"{sla}/policies/SB")).json()["policy"]
        calendar = (await admin.get(f"{sla}/calendars/SB")).json()
        photo = await admin.post(
            f"{intake}/complaints/{b['id']}/attachments",
            files={"file": ("p.jpg", photo_with_gps(size=(16, 16)), "image/jpeg")},
        )
        assert photo.status_code == 201, photo.text
        place = await admin.put(f"{intake}/sites/SB/places/SB-PLACE", json={"name": "SB 茶水間"})
        assert place.status_code == 200, place.text
        problem = await admin.post(f"{intake}/problems", json={"site": "SB", "title": "SB"})
        assert problem.status_code == 201, problem.text
        problem_id = problem.json()["id"]
        action = await admin.post(
            f"{intake}/problems/{problem_id}/actions",
            json=LEARNING_BODIES["/problems/{problem_id}/actions"],
        )
        assert action.status_code == 201, action.text
        schedule = await admin.post(f"{intake}/inspections", json=LEARNING_BODIES["/inspections"])
        assert schedule.status_code == 201, schedule.text
    dead = uuid4()
    await system_db.execute(
        """INSERT INTO notify.deliveries (id, dedupe_key, complaint_id, site, channel,
               destination, recipient, kind, subject, body, payload, status, next_attempt_at,
               finished_at)
           VALUES ($1, $2, $3, 'SB', 'sms', '+886900000000', 'complainant', 'received', 's',
                   'b', '{}', 'dead', now(), now())""",
        dead, f"test:{dead}", UUID(b["id"]),
    )  # fmt: skip
    officer = await user(system.database_url, "officer-sa", Role.DUTY_OFFICER, sites=["SA"])
    yield World(
        {
            "complaint_id": b["id"],
            "number": b["number"],
            "task_id": task,
            "site": "SB",
            "subscription_id": sub.json()["id"],
            "delivery_id": str(dead),
            "attachment_id": photo.json()["id"],
            "role": "supervisor",
            "action": "acknowledge",
            "token": "x",
            "name": "officer-sa",
            "change": "disable",
            "part": "policy",
            "kind": "places",
            "code": "SB-PLACE",
            "problem_id": problem_id,
            "action_id": action.json()["action_id"],
            "schedule_id": schedule.json()["id"],
            "period": "2026-11",
            "extension": "pdf",
            "command": "cause",
        },
        officer,
        {"policy": policy, "calendar": calendar},
        last_command,
    )


def _request(route: APIRoute, method: str, world: World) -> dict[str, Any]:
    """A well-formed request for ``route`` aimed at site SB's objects, so that only the
    access decision can refuse it."""
    ids = world.ids
    path = re.sub(r"{(\w+)}", lambda m: ids[m[1]], route.path)
    query = {"site": "SB"} if any(p.name == "site" for p in route.dependant.query_params) else {}
    if route.path == "/console/live":  # a stream: aimed at SB's complaint, it must not open
        query = {"complaint": ids["complaint_id"]}
    if route.path == "/officers/evaluation":
        query = {"site": "SB", "period": "2026-11"}
    if route.path.endswith("/registry/suggest"):
        query = {"location": "x"}
    if route.path == "/complaints/duplicates":
        query = {"site": "SB", "location": "x", "category": "other"}
    if route.path.endswith("/working-time"):
        query = {"start": "2027-01-04T00:00:00+00:00", "end": "2027-01-08T00:00:00+00:00"}
    name = route.path.removeprefix("/complaints/{complaint_id}/").replace("{task_id}/", "")
    body: Any = None
    data: dict[str, str] | None = None
    if route.path == "/complaints" and method == "POST":
        body = complaint(site="SB")
    elif route.path.startswith("/complaints/{complaint_id}/") and method == "POST":
        tasks = {
            "tasks/cancel": {"reason": "x"}, "merge": {"into": ids["complaint_id"]},
            "merge/undo": {"reason": "x"}, "asset": {"asset": "SB-ASSET"},
        }  # fmt: skip
        body = BODIES.get(name) or tasks.get(name) or {"note": "x"}
    elif route.path in LEARNING_BODIES and method == "POST":
        body = LEARNING_BODIES[route.path]
    elif route.path.startswith(("/problems/", "/inspections/")) and method == "POST":
        body = {}
    elif route.path.startswith("/policies/"):
        body = world.bodies["policy"]
    elif route.path == "/calendars/{site}" and method == "PUT":
        body = world.bodies["calendar"]
    elif route.path.startswith("/sites/{site}/places/"):
        body = {"name": "x"}
    elif route.path.startswith("/sites/{site}/assets/"):
        body = {"type": "light", "name": "x"}
    elif route.path.endswith("/retire"):
        body = {"reason": "x"}
    elif route.path.startswith("/directory/"):
        body = {"channel": "email", "destination": "someone@example.org"}
    elif route.path.startswith("/subscriptions") and method in ("POST", "PUT"):
        body = {"name": "x", "site": "SB", "event_types": ["*"], "channel": "email",
                "destination": "x@example.org"}  # fmt: skip
    elif route.path == "/console/new" and method == "POST":
        data = {k: str(v) for k, v in complaint(site="SB").items()}
    elif route.path.startswith("/console/complaints/") and method == "POST":
        data = {"channel": "phone"}
    return {"method": method, "url": path, "params": query, "json": body, "data": data}


EVERY_GUARDED_ROUTE = pytest.mark.parametrize(
    ("service", "method", "route"),
    [r for r in ROUTES if r[2].path not in PUBLIC],
    ids=lambda v: v.path if isinstance(v, APIRoute) else str(v),
)


def test_the_walk_covers_every_service_and_the_public_list_is_not_stale() -> None:
    assert {service for service, _, _ in ROUTES} == set(APPS)
    assert len([r for r in ROUTES if r[2].path not in PUBLIC]) > 50
    paths = {getattr(r, "path", None) for app in APPS.values() for r in app.routes}
    paths |= {route.path for _, _, route in ROUTES}
    assert paths >= PUBLIC, f"public paths no service serves: {PUBLIC - paths}"


@EVERY_GUARDED_ROUTE
async def test_no_credential_no_access(
    system: System, world: World, service: str, method: str, route: APIRoute
) -> None:
    request = _request(route, method, world)
    async with httpx.AsyncClient(base_url=system.url(service), timeout=15) as anonymous:
        r = await anonymous.request(**request)
        assert r.status_code == 401, f"{method} {route.path}: {r.status_code} {r.text[:300]}"
        assert r.json()["error"]["message_zh"]
        forged = await anonymous.request(**request, headers={"Authorization": "Bearer desk_forged"})
        assert forged.status_code == 401


@EVERY_GUARDED_ROUTE
async def test_an_officer_of_another_site_reaches_nothing_of_site_b(
    system: System, world: World, service: str, method: str, route: APIRoute
) -> None:
    request = _request(route, method, world)
    targets_b = (
        bool(OBJECT_PARAMS & set(re.findall(r"{(\w+)}", route.path)))
        or request["params"]
        or (request["json"] or {}).get("site") == "SB"
        or (request["data"] or {}).get("site")
    )
    async with httpx.AsyncClient(
        base_url=system.url(service), timeout=15, headers=world.officer
    ) as officer:
        r = await officer.request(**request)
    where = f"{method} {route.path}: {r.status_code} {r.text[:300]}"
    if targets_b:
        assert r.status_code in (403, 404), where
    else:  # a list or a page of no one object: allowed, but it shows nothing of site B
        assert r.status_code in (200, 303, 403), where
        assert world.ids["complaint_id"] not in r.text and world.ids["number"] not in r.text


async def test_site_b_is_unchanged_after_the_walk(
    system: System, world: World, system_db: asyncpg.Pool
) -> None:
    # The whole walk again, here, so that this test depends on no other having run first.
    async with httpx.AsyncClient(timeout=15, headers=world.officer) as officer:
        for service, method, route in ROUTES:
            if route.path not in PUBLIC:
                request = _request(route, method, world)
                await officer.request(**request | {"url": system.url(service) + request["url"]})
    # The log is the truth: SB's complaint has no event after the set-up's last command.
    complaint_id = UUID(world.ids["complaint_id"])
    version = await system_db.fetchval(
        "SELECT max(version) FROM eventstore.events"
        " WHERE stream_type = 'complaint' AND stream_id = $1",
        complaint_id,
    )
    assert version == world.last_command["version"]
    by_officer = await system_db.fetchval(
        "SELECT count(*) FROM eventstore.events WHERE actor = 'officer-sa' AND site_id = 'SB'"
    )
    assert by_officer == 0
    async with httpx.AsyncClient(timeout=15, headers=ADMIN) as admin:
        detail = (
            await admin.get(
                f"{system.url('projections')}/complaints/{complaint_id}",
                params={"after": world.last_command["position"]},
            )
        ).json()
        types = [h["event_type"] for h in detail["history"]]
        assert "ComplaintAcknowledged" not in types and "TaskCompleted" not in types
        assert all(h["actor"] != "officer-sa" for h in detail["history"])
        policy = (await admin.get(f"{system.url('sla')}/policies/SB")).json()
        assert policy["source"] == "inherited"
        dead = (await admin.get(f"{system.url('notify')}/deliveries/dead?site=SB")).json()
        assert [d["id"] for d in dead] == [world.ids["delivery_id"]]
        register = (await admin.get(f"{system.url('projections')}/complaints?site=SB")).json()
        assert register["total"] == 1


async def _token(system: System, name: str, role: Role, **grant: Any) -> dict[str, str]:
    return await user(system.database_url, name, role, **grant)


async def test_roles_decide_what_each_may_do(system: System, world: World) -> None:
    intake = system.url("intake")
    officer = world.officer
    supervisor = await _token(system, "supervisor-sa", Role.SUPERVISOR, sites=["SA"])
    auditor = await _token(system, "auditor-all", Role.AUDITOR)
    site_admin = await _token(system, "admin-sa", Role.SITE_ADMIN, sites=["SA"])
    crm = await _token(system, "crm-sa", Role.INTEGRATION, sites=["SA"], commands=["receive"])
    async with httpx.AsyncClient(timeout=15) as client:

        async def post(headers: dict[str, str], path: str, body: Any) -> httpx.Response:
            return await client.post(f"{intake}{path}", json=body, headers=headers)

        # Received by whoever records it: an officer may not credit someone else.
        credited = await post(officer, "/complaints", complaint(site="SA"))
        assert credited.status_code == 403 and "receiving_officer" in credited.text
        mine = await post(officer, "/complaints", complaint(site="SA", receiving_officer=None))
        assert mine.status_code == 201, mine.text
        named_self = complaint(site="SA", receiving_officer="officer-sa")
        assert (await post(officer, "/complaints", named_self)).status_code == 201
        cid = mine.json()["id"]
        # Who acted is who signed in; an officer may not act as someone else.
        impersonated = await post(officer, f"/complaints/{cid}/acknowledge",
                                  {"channel": "phone", "actor": "supervisor-sa"})  # fmt: skip
        assert impersonated.status_code == 403 and "actor" in impersonated.text
        acked = await post(officer, f"/complaints/{cid}/acknowledge", {"channel": "phone"})
        assert acked.status_code == 200
        # The supervisor's review is the supervisor's.
        for step in ("classify", "resolution", "resolution/accept", "resolve"):
            done = await post(officer, f"/complaints/{cid}/{step}", BODIES[step])
            assert done.status_code == 200, done.text
        unhappy = {"channel": "phone", "satisfied": False, "comments": "still broken"}
        assert (await post(officer, f"/complaints/{cid}/callbacks", unhappy)).is_success
        conclusion = {"outcome": "upheld", "notes": "fine"}
        by_officer = await post(officer, f"/complaints/{cid}/review/conclude", conclusion)
        assert by_officer.status_code == 403
        by_supervisor = await post(supervisor, f"/complaints/{cid}/review/conclude", conclusion)
        assert by_supervisor.status_code == 200, by_supervisor.text
        # An auditor reads everything and changes nothing.
        assert (await client.get(f"{intake}/dead-letters", headers=auditor)).status_code == 200
        assert (await post(auditor, "/complaints", complaint(site="SA"))).status_code == 403
        # An integration sends only the commands it was given, at its sites.
        assert (await post(crm, "/complaints", complaint(site="SA"))).status_code == 201
        assert (await post(crm, "/complaints", complaint(site="SB"))).status_code == 403
        assert (await post(crm, f"/complaints/{cid}/close", {})).status_code == 403
        # A site admin sets their own site's policy, not another's.
        sla = system.url("sla")
        current = (await client.get(f"{sla}/policies/SA", headers=site_admin)).json()["policy"]
        own = await client.put(f"{sla}/policies/SA", json=current, headers=site_admin)
        assert own.status_code == 200, own.text
        other = await client.put(f"{sla}/policies/SB", json=current, headers=site_admin)
        assert other.status_code == 403
        by_officer_policy = await client.put(f"{sla}/policies/SA", json=current, headers=officer)
        assert by_officer_policy.status_code == 403

    async with httpx.AsyncClient(timeout=15, headers=ADMIN) as admin:
        r = await admin.get(
            f"{system.url('projections')}/complaints/{cid}",
            params={"after": by_supervisor.json()["position"]},
        )
    assert r.status_code == 200, r.text
    actors = {h["event_type"]: h["actor"] for h in r.json()["history"]}
    assert actors["ComplaintReceived"] == "officer-sa"
    assert actors["ComplaintAcknowledged"] == "officer-sa"
    assert actors["ReviewConcluded"] == "supervisor-sa"


@pytest.mark.parametrize(
    "field",
    [
        {"status": "closed"},
        {"number": "SA-1"},
        {"received_at": "2020-01-01T00:00:00Z"},
        {"id": str(uuid4())},
        {"version": 9},
        {"sla_state": "met"},
    ],
)
async def test_fields_the_server_owns_cannot_be_sent(
    system: System, world: World, field: dict[str, Any]
) -> None:
    intake = system.url("intake")
    async with httpx.AsyncClient(timeout=15, headers=world.officer) as officer:
        created = await officer.post(f"{intake}/complaints", json=complaint(site="SA") | field)
        assert created.status_code == 422, created.text
        assert next(iter(field)) in created.json()["error"]["message"]
        mine = await officer.post(
            f"{intake}/complaints", json=complaint(site="SA", receiving_officer=None)
        )
        cid = mine.json()["id"]
        r = await officer.post(
            f"{intake}/complaints/{cid}/acknowledge", json={"channel": "phone"} | field
        )
        assert r.status_code == 422, r.text
        moved = await officer.post(
            f"{intake}/complaints/{cid}/classify", json=BODIES["classify"] | {"site": "SA"}
        )
        assert moved.status_code == 422, "the site of an existing complaint is the server's"

    async with httpx.AsyncClient(timeout=15, headers=ADMIN) as admin:
        row = (
            await admin.get(
                f"{system.url('projections')}/complaints/{cid}",
                params={"after": mine.json()["position"]},
            )
        ).json()
    assert row["status"] == "received" and row["version"] == 1


async def test_a_revoked_token_stops_working(system: System) -> None:
    headers = await _token(system, "short-lived", Role.AUDITOR)
    url = f"{system.url('projections')}/complaints"
    async with httpx.AsyncClient(timeout=15, headers=headers) as client:
        assert (await client.get(url)).status_code == 200
        conn = await asyncpg.connect(system.database_url)
        try:
            await store.disable(conn, "short-lived")
        finally:
            await conn.close()

        async def refused() -> bool:
            return (await client.get(url)).status_code == 401

        assert await eventually(refused, within=10)


async def test_password_guessing_is_stopped_for_that_name(system: System) -> None:
    name, password = f"guessed-{uuid4().hex[:6]}", "the-right-one"
    await user(system.database_url, name, Role.DUTY_OFFICER, sites=["SA"], password=password)
    url = f"{system.url('projections')}/console/sign-in"
    async with httpx.AsyncClient(timeout=15) as client:
        for _ in range(5):
            r = await client.post(url, data={"name": name, "password": "guess"})
            assert r.status_code == 401
        r = await client.post(url, data={"name": name, "password": password})
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        assert "desk_session" not in r.cookies
        other = await client.post(url, data={"name": "someone-else", "password": "x"})
        assert other.status_code == 401, "only the guessed name is held back"
