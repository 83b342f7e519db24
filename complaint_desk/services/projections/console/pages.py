"""The duty desk console: server-rendered pages over the read models, whose forms send the
desk's commands to intake."""

from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from complaint_desk.contract.events import utcnow
from complaint_desk.contract.events.complaints import Severity
from complaint_desk.contract.process import Policy
from complaint_desk.shared import consistency
from complaint_desk.shared.auth import Permission, Principal
from complaint_desk.shared.auth.http import require
from complaint_desk.shared.runtime.deps import RuntimeDep, running

from .. import repository
from ..domain import commands_allowed, open_tasks
from ..personal import shown, shown_history
from ..settings import ProjectionsSettings, SettingsDep, settings_for
from . import intake
from .csrf import SameOriginForm
from .forms import ACTIONS, LIST_FIELDS, TASK_ACTIONS, command_body, complaint_body, offered
from .render import HERE, lang_of, render, texts
from .signin import credential
from .timeline import arrange
from .working_time import clock_targets, countdowns

STATIC = {"console.css": "text/css", "console.js": "text/javascript"}
router = APIRouter(include_in_schema=False)
Viewer = Annotated[Principal, Depends(require(Permission.READ))]
# What the page says was done after a task's action: "task_complete", …
# The stages where a complaint may still turn out to duplicate another in hand.
DUPLICABLE = frozenset({"received", "contacted", "classified"})
DONE_WITH_TASKS = {f"task_{action}" for action in TASK_ACTIONS}


@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/console", status_code=307)


@router.get("/console/static/{name}")
async def static(name: str) -> Response:
    if name not in STATIC:
        return Response(status_code=404)
    return FileResponse(HERE / "static" / name, media_type=STATIC[name])


@router.get("/console/new", response_class=HTMLResponse)
async def new_complaint_form(request: Request, _: Viewer) -> Response:
    return render(request, "new.html", form={}, token=uuid4().hex, error=None)


@router.post("/console/new", response_class=HTMLResponse, dependencies=[SameOriginForm])
async def new_complaint(request: Request, settings: SettingsDep, _: Viewer) -> Response:
    """Registers through intake (the form's token is the idempotency key, so a double submit
    records one complaint), then shows the complaint once the register has it."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    token = form.get("token") or uuid4().hex
    try:
        answer = await intake.send(
            settings.intake_url,
            "/complaints",
            complaint_body(form),
            headers={"Idempotency-Key": f"console-{token}", **credential(request)},
        )
    except intake.IntakeUnavailable:
        t = texts(request)
        return render(
            request, "new.html", 503, form=form, token=token, error=t("error.unavailable")
        )
    if not answer.ok:
        return render(
            request,
            "new.html",
            answer.status,
            form=form,
            token=token,
            error=answer.message(lang_of(request)),
        )
    return _after_command(UUID(answer.body["id"]), "new", answer)


def _after_command(complaint_id: UUID, done: str, answer: intake.IntakeAnswer) -> Response:
    """To the complaint's page, carrying the command's position: the page shows the officer
    what they just did, not the read model of a moment before."""
    query = urlencode({"done": done, "after": int(answer.body["position"])})
    return RedirectResponse(f"/console/complaints/{complaint_id}?{query}", status_code=303)


@router.get("/console/complaints/{complaint_id}", response_class=HTMLResponse)
async def complaint_page(
    request: Request,
    runtime: RuntimeDep,
    principal: Viewer,
    complaint_id: UUID,
    done: Annotated[str | None, Query(max_length=20)] = None,
    after: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> Response:
    """``after``: the position the officer's last action answered with. The page waits
    (briefly) until every read model has it; past that, it says so and refreshes itself."""
    catching_up = False
    if after is not None:
        try:
            await consistency.wait_until_applied(
                runtime.pool,
                runtime.consumers,
                after,
                within=runtime.settings.read_after_timeout_seconds,
            )
        except consistency.NotYetApplied:
            catching_up = True
        except consistency.UnknownPosition:
            pass  # a hand-edited address: show the page as it is
    return await _detail(request, complaint_id, done=done, catching_up=catching_up)


async def _detail(
    request: Request,
    complaint_id: UUID,
    *,
    done: str | None = None,
    error: str | None = None,
    status_code: int = 200,
    form: dict[str, str] | None = None,
    field_errors: dict[str, str] | None = None,
    catching_up: bool = False,
) -> Response:
    pool = running(request).pool
    row = await repository.get_complaint(pool, complaint_id)
    if row is None or not request.state.principal.sees(row["site"]):
        return render(request, "not_found.html", 404)
    principal = request.state.principal
    timeline = await repository.timeline(pool, complaint_id)
    policy = Policy(now=utcnow(), reopen_window_days=running(request).settings.reopen_window_days)
    allowed = commands_allowed(timeline, policy, principal.may_command)
    history = await shown_history(request, principal, timeline)
    [name] = await shown(request, principal, [row["complainant_name"]])
    row = row | {"complainant_name": name}
    by_id = {h["event_id"]: h for h in history}
    cycles, notes = arrange(history)
    drawn_at = max((h["position"] or 0 for h in timeline), default=0)
    live = f"/console/live?{urlencode({'complaint': str(complaint_id), 'since': drawn_at})}"
    sla_url = settings_for(request).sla_url
    targets = await clock_targets(request, sla_url, complaint_id)
    duplicates = await repository.open_duplicates(
        pool, site=row["site"], location=row["location"], category=row["category"],
        asset=row["asset"], exclude=complaint_id,
    ) if row["stage"] in DUPLICABLE else []  # fmt: skip
    actions = [a for a in offered(allowed) if a != "merge" or duplicates]
    suggested = await suggestions(request, row) if "asset" in actions else []
    return render(
        request,
        "detail.html",
        status_code,
        c=row,
        countdowns=await countdowns(request, sla_url, [row], targets),
        erased=any(h["event_type"] == "PersonalDataErased" for h in timeline),
        catching_up=catching_up,
        cycles=cycles,
        notes=notes,
        live=live,
        by_id=by_id,
        done=done if done in ACTIONS or done in DONE_WITH_TASKS or done == "new" else None,
        error=error,
        form=form or {},
        field_errors=field_errors or {},
        actions=actions,
        duplicates=duplicates,
        suggested=suggested,
        tasks=open_tasks(history),
        task_actions=[a for a in TASK_ACTIONS if f"tasks/{a}" in allowed],
        severities=[s.value for s in Severity],
    )


@router.post(
    "/console/complaints/{complaint_id}/{action}",
    response_class=HTMLResponse,
    dependencies=[SameOriginForm],
)
async def act(
    request: Request, settings: SettingsDep, _: Viewer, complaint_id: UUID, action: str
) -> Response:
    """One lifecycle action, sent to intake with the version the officer was looking at
    (If-Match): acting on a stale page is refused, not applied blindly."""
    if action not in ACTIONS:
        return render(request, "not_found.html", 404)
    form = await form_of(request)
    if action == "erase" and form.get("confirm") != "on":
        t = texts(request)
        error = t("error.refused", action=t("act.erase"), reason=t("erase.confirm_needed"))
        return await _detail(request, complaint_id, error=error, status_code=422, form=form)
    body = command_body(action, form, settings.timezone)
    command = ACTIONS[action].command
    return await send_action(request, settings, complaint_id, command, action, body, form)


async def suggestions(request: Request, row: dict[str, Any]) -> list[dict[str, Any]]:
    """What the registry suggests the complaint is about, from its free-text location (none
    when intake cannot say right now: the officer may still type a code)."""
    query = urlencode({"location": row["location"]})
    try:
        answer = await intake.send(
            settings_for(request).intake_url, f"/sites/{row['site']}/registry/suggest?{query}",
            None, headers=credential(request), method="GET", within=3.0,
        )  # fmt: skip
    except intake.IntakeUnavailable:
        return []
    return list(answer.body.get("items", [])) if answer.ok else []


async def form_of(request: Request) -> dict[str, str]:
    """The submitted form as text; checkbox lists joined with commas."""
    data = await request.form()
    form = {k: str(v) for k, v in data.items()}
    for name in LIST_FIELDS & set(form):
        form[name] = ",".join(str(v) for v in data.getlist(name))
    return form


async def send_action(
    request: Request,
    settings: ProjectionsSettings,
    complaint_id: UUID,
    path: str,
    done: str,
    body: dict[str, Any],
    form: dict[str, str],
) -> Response:
    """Sends one command to intake (``/complaints/{id}/{path}``) with the version the form
    was drawn at; on success to the page at the command's position, else the page again with
    intake's reason and what the officer typed."""
    headers = {"If-Match": f'"{form["version"]}"'} if form.get("version", "").isdigit() else {}
    t = texts(request)
    try:
        answer = await intake.send(
            settings.intake_url,
            f"/complaints/{complaint_id}/{path}",
            body,
            headers={**headers, **credential(request)},
            # Filing the report makes its PDF (font subsetting takes a second or more).
            within=60.0 if path == "report" else 10.0,
        )
    except intake.IntakeUnavailable:
        return await _detail(
            request, complaint_id, error=t("error.unavailable"), status_code=503, form=form
        )
    if not answer.ok:
        reason = answer.message(lang_of(request))
        message = t("error.refused", action=t("act." + done), reason=reason)
        return await _detail(
            request,
            complaint_id,
            error=message,
            status_code=answer.status,
            form=form,
            field_errors=answer.field_errors(lang_of(request)),
        )
    return _after_command(complaint_id, done, answer)


def site_filter(site: str | None) -> str | None:
    """A site filter as typed: any case, blank for none."""
    return site.strip().upper() if site and site.strip() else None


def admins_site(admin: Principal, site: str | None) -> tuple[str | None, list[str]]:
    """The site a setup page is about (the one asked for, else the admin's first; None when
    it is not theirs), and all the admin's sites, for the page's switcher."""
    sites = sorted(admin.sites) if admin.sites is not None else []
    site = site or (sites[0] if sites else None)
    return (site if site is not None and admin.sees(site) else None), sites


def forbidden_site(request: Request, site: str) -> Response:
    return render(request, "forbidden.html", 403, error=texts(request)("error.site", site=site))
