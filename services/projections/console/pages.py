"""The duty desk console: server-rendered pages over the read models, whose forms send the
desk's commands to intake."""

import asyncio
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from shared.events import Status, utcnow
from shared.events.complaints import Severity

from .. import analysis, repository
from . import intake
from .forms import ACTIONS, command_body, complaint_body
from .texts import LANGS, Lang, Texts

HERE = Path(__file__).parent
STATIC = {"console.css": "text/css", "console.js": "text/javascript"}
PAGE_SIZE = 25
LANG_COOKIE = "desk_lang"

templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)


def _lang(request: Request) -> Lang:
    for value in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if value in LANGS:
            return value  # type: ignore[return-value]
    return "zh-Hant"


def _render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    lang = _lang(request)
    settings = request.app.state.runtime.settings
    zone = ZoneInfo(settings.timezone)

    def when(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else "—"

    other = LANGS[1 - LANGS.index(lang)]
    response = templates.TemplateResponse(
        request,
        name,
        {
            "t": Texts(lang),
            "lang": lang,
            "switch_url": request.url.include_query_params(lang=other),
            "when": when,
            **context,
        },
        status_code=status_code,
    )
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/console", status_code=307)


@router.get("/console/static/{name}")
async def static(name: str) -> Response:
    if name not in STATIC:
        return Response(status_code=404)
    return FileResponse(HERE / "static" / name, media_type=STATIC[name])


@router.get("/console", response_class=HTMLResponse)
async def register_page(
    request: Request,
    q: Annotated[str | None, Query(max_length=100)] = None,
    site: Annotated[str | None, Query(max_length=12)] = None,
    status: Annotated[str | None, Query(max_length=40)] = None,
    severity: Annotated[str | None, Query(max_length=4)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """The register (投訴登記表) with filters and live SLA countdowns."""
    filters: dict[str, Any] = {
        "q": q.strip() if q and len(q.strip()) >= 2 else None,
        "site": site.strip().upper() if site and site.strip() else None,
        "status": status if status in {s.value for s in Status} else None,
        "severity": severity if severity in {s.value for s in Severity} else None,
    }
    items, total = await repository.list_complaints(
        request.app.state.runtime.pool,
        **filters,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    return _render(
        request,
        "register.html",
        items=items,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        filters={k: v or "" for k, v in filters.items()} | {"q": q or ""},
        export_query=urlencode({k: v for k, v in filters.items() if v}),
        statuses=[s.value for s in Status if s is not Status.NEW],
        severities=[s.value for s in Severity],
    )


@router.get("/console/new", response_class=HTMLResponse)
async def new_complaint_form(request: Request) -> Response:
    return _render(request, "new.html", form={}, token=uuid4().hex, error=None)


@router.post("/console/new", response_class=HTMLResponse)
async def new_complaint(request: Request) -> Response:
    """Registers through intake (the form's token is the idempotency key, so a double submit
    records one complaint), then shows the complaint once the register has it."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    settings = request.app.state.runtime.settings
    token = form.get("token") or uuid4().hex
    try:
        answer = await intake.send(
            settings.intake_url,
            "/complaints",
            complaint_body(form),
            headers={"Idempotency-Key": f"console-{token}"},
        )
    except intake.IntakeUnavailable:
        t = Texts(_lang(request))
        return _render(
            request, "new.html", 503, form=form, token=token, error=t("error.unavailable")
        )
    if not answer.ok:
        return _render(
            request,
            "new.html",
            answer.status,
            form=form,
            token=token,
            error=answer.message(_lang(request)),
        )
    complaint_id = UUID(answer.body["id"])
    await _visible(request, complaint_id, int(answer.body["version"]))
    version = int(answer.body["version"])
    return RedirectResponse(
        f"/console/complaints/{complaint_id}?done=new&v={version}", status_code=303
    )


async def _visible(request: Request, complaint_id: UUID, version: int, within: float = 3.0) -> None:
    """Wait (briefly) until the register shows the command's effect: the officer then reads
    what they just did."""
    pool = request.app.state.runtime.pool
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        row = await repository.get_complaint(pool, complaint_id)
        if row is not None and row["version"] >= version:
            return
        await asyncio.sleep(0.05)


@router.get("/console/complaints/{complaint_id}", response_class=HTMLResponse)
async def complaint_page(
    request: Request,
    complaint_id: UUID,
    done: Annotated[str | None, Query(max_length=20)] = None,
    v: Annotated[int | None, Query(ge=1, le=1_000_000_000)] = None,
) -> Response:
    """``v``: the version the officer's last action made; until the register shows it, the
    page says so and refreshes itself."""
    return await _detail(request, complaint_id, done=done, awaited_version=v)


async def _detail(
    request: Request,
    complaint_id: UUID,
    *,
    done: str | None = None,
    error: str | None = None,
    status_code: int = 200,
    form: dict[str, str] | None = None,
    awaited_version: int | None = None,
) -> Response:
    pool = request.app.state.runtime.pool
    row = await repository.get_complaint(pool, complaint_id)
    if row is None:
        return _render(request, "pending.html", 404, complaint_id=complaint_id)
    history = await repository.timeline(pool, complaint_id)
    by_id = {h["event_id"]: h for h in history}
    return _render(
        request,
        "detail.html",
        status_code,
        c=row,
        catching_up=awaited_version is not None and row["version"] < awaited_version,
        history=history,
        by_id=by_id,
        done=done if done in ACTIONS or done == "new" else None,
        error=error,
        form=form or {},
        actions=list(ACTIONS),
        severities=[s.value for s in Severity],
    )


@router.post("/console/complaints/{complaint_id}/{action}", response_class=HTMLResponse)
async def act(request: Request, complaint_id: UUID, action: str) -> Response:
    """One lifecycle action, sent to intake with the version the officer was looking at
    (If-Match): acting on a stale page is refused, not applied blindly."""
    if action not in ACTIONS:
        return _render(request, "pending.html", 404, complaint_id=complaint_id)
    form = {k: str(v) for k, v in (await request.form()).items()}
    settings = request.app.state.runtime.settings
    headers = {"If-Match": f'"{form["version"]}"'} if form.get("version", "").isdigit() else {}
    t = Texts(_lang(request))
    try:
        answer = await intake.send(
            settings.intake_url,
            f"/complaints/{complaint_id}/{action}",
            command_body(action, form, settings.timezone),
            headers=headers,
        )
    except intake.IntakeUnavailable:
        return await _detail(
            request, complaint_id, error=t("error.unavailable"), status_code=503, form=form
        )
    if not answer.ok:
        message = f"{t('act.' + action)}：{answer.message(_lang(request))}"
        return await _detail(
            request, complaint_id, error=message, status_code=answer.status, form=form
        )
    version = int(answer.body["version"])
    await _visible(request, complaint_id, version)
    return RedirectResponse(
        f"/console/complaints/{complaint_id}?done={action}&v={version}", status_code=303
    )


@router.get("/console/dashboard", response_class=HTMLResponse)
async def dashboard_page(
    request: Request,
    site: Annotated[str | None, Query(max_length=12)] = None,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
    group_by: Annotated[str, Query(pattern="^(none|category|severity)$")] = "category",
) -> Response:
    end = utcnow()
    start = end - timedelta(days=days)
    site = site.strip().upper() if site and site.strip() else None
    board = await analysis.dashboard(request, site, start, end, group_by)  # type: ignore[arg-type]
    totals = await analysis.dashboard(request, site, start, end, "none")
    officers = await analysis.officers(request, site, start, end)
    peak = max((g.received for g in board.groups), default=0) or 1
    return _render(
        request,
        "dashboard.html",
        board=board,
        total=totals.groups[0] if totals.groups else None,
        officers=officers,
        peak=peak,
        site=site or "",
        days=days,
        group_by=group_by,
    )


@router.get("/console/hotspots", response_class=HTMLResponse)
async def hotspots_page(
    request: Request,
    site: Annotated[str | None, Query(max_length=12)] = None,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
    threshold: Annotated[int, Query(ge=2, le=1000)] = 3,
) -> Response:
    site = site.strip().upper() if site and site.strip() else None
    spots = await analysis.hotspots(request, site, days, threshold)
    people = await analysis.repeat_complainants(request, site, days, threshold)
    return _render(
        request,
        "hotspots.html",
        spots=spots,
        people=people,
        site=site or "",
        days=days,
        threshold=threshold,
    )
