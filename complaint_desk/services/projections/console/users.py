"""The users of a site's desk, managed by its site admin in the console: add one (a duty
officer, supervisor or site admin of their own sites, with a password), reset a password,
issue an API token (shown once), disable. An organisation admin manages everyone."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from complaint_desk.shared.auth import Permission, Principal, Role, store
from complaint_desk.shared.auth.http import require
from complaint_desk.shared.auth.roles import DESK_ROLES, manages
from complaint_desk.shared.runtime.deps import PoolDep

from .csrf import SameOriginForm
from .render import render, texts

router = APIRouter(include_in_schema=False)
SiteAdmin = Annotated[Principal, Depends(require(Permission.CONFIGURE_SITE))]
MIN_PASSWORD = 12


def _sites(text: str) -> frozenset[str]:
    return frozenset(s.upper() for s in text.replace(",", " ").replace("，", " ").split() if s)


def _theirs(admin: Principal, row: dict[str, Any]) -> bool:
    sites = frozenset(row["sites"]) if row["sites"] is not None else None
    return row["role"] in {r.value for r in Role} and manages(admin, Role(row["role"]), sites)


async def _page(
    request: Request,
    pool: Any,
    admin: Principal,
    status_code: int = 200,
    *,
    said: str | None = None,
    error: str | None = None,
    token: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    people = [p for p in await store.principals(pool) if _theirs(admin, p)]
    return render(
        request,
        "users.html",
        status_code,
        people=people,
        roles=[r.value for r in Role if r in DESK_ROLES],
        admin_sites=sorted(admin.sites) if admin.sites is not None else [],
        said=said,
        error=error,
        token=token,
        form=form or {},
    )


@router.get("/console/users", response_class=HTMLResponse)
async def users_page(request: Request, pool: PoolDep, admin: SiteAdmin) -> Response:
    return await _page(request, pool, admin)


@router.post("/console/users", response_class=HTMLResponse, dependencies=[SameOriginForm])
async def add_user(request: Request, pool: PoolDep, admin: SiteAdmin) -> Response:
    """A new user of the admin's sites, or a change to one of theirs; never someone else's."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    t = texts(request)
    name, password = form.get("name", "").strip(), form.get("password", "")
    sites = _sites(form.get("sites", ""))
    problem = None
    if not name or len(name) > 200:
        problem = t("users.bad_name")
    elif form.get("role") not in {r.value for r in DESK_ROLES}:
        problem = t("users.bad_role")
    elif not sites or not manages(admin, Role(form["role"]), sites):
        problem = t("users.bad_sites")
    elif len(password) < MIN_PASSWORD:
        problem = t("users.short_password", n=MIN_PASSWORD)
    else:
        existing = next((p for p in await store.principals(pool) if p["name"] == name), None)
        if existing is not None and not _theirs(admin, existing):
            problem = t("users.taken")
    if problem:
        return await _page(request, pool, admin, 422, error=problem, form=form)
    grant = store.Grant(name, Role(form["role"]), sites, password=password)
    await store.save_principal(pool, grant)
    return await _page(request, pool, admin, said=t("users.saved", name=name))


async def _one_of_theirs(pool: Any, admin: Principal, name: str) -> dict[str, Any] | None:
    found = next((p for p in await store.principals(pool) if p["name"] == name), None)
    return found if found is not None and _theirs(admin, found) else None


@router.post(
    "/console/users/{name}/{change}", response_class=HTMLResponse, dependencies=[SameOriginForm]
)
async def change_user(
    request: Request, pool: PoolDep, admin: SiteAdmin, name: str, change: str
) -> Response:
    """Disable or enable a user, reset their password, or issue them an API token (shown
    once). A disabled user's password is not reset: enabling them is a decision of its own."""
    t = texts(request)
    person = await _one_of_theirs(pool, admin, name)
    if person is None or change not in ("disable", "enable", "password", "token"):
        return await _page(request, pool, admin, 404, error=t("users.unknown", name=name))
    if change == "disable":
        await store.disable(pool, name)
        return await _page(request, pool, admin, said=t("users.disabled", name=name))
    if change == "enable":
        await store.enable(pool, name)
        return await _page(request, pool, admin, said=t("users.enabled", name=name))
    if change == "token":
        token = await store.issue_token(pool, person["id"], f"console, by {admin.name}")
        return await _page(request, pool, admin, said=t("users.token", name=name), token=token)
    password = str((await request.form()).get("password", ""))
    if len(password) < MIN_PASSWORD:
        error = t("users.short_password", n=MIN_PASSWORD)
        return await _page(request, pool, admin, 422, error=error)
    if not await store.set_password(pool, name, password):  # disabled: enable them first
        return await _page(request, pool, admin, 409, error=t("users.unknown", name=name))
    return await _page(request, pool, admin, said=t("users.password_reset", name=name))
