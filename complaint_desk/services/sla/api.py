"""The sla service's HTTP API: each complaint's clocks, and the policies and calendars that
measure them. A change of either is recorded as an event and replayed onto open complaints."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import BaseModel, Field, ValidationError

from complaint_desk.contract.events import utcnow
from complaint_desk.shared.auth import Permission, Principal
from complaint_desk.shared.auth.http import check_site, require
from complaint_desk.shared.http import ApiError
from complaint_desk.shared.runtime.deps import PoolDep, UnitOfWorkDep
from complaint_desk.shared.uow import UnitOfWork

from . import repository
from .calendar import closures_from_ics
from .domain import ClockState
from .policy import CalendarConfig, SlaPolicy
from .service import clocks_now, set_calendar, set_policy
from .settings import SettingsDep, SlaSettings

router = APIRouter(tags=["sla"])
Reader = Annotated[Principal, Depends(require(Permission.READ))]
Configurer = Annotated[Principal, Depends(require(Permission.CONFIGURE_SITE))]
SiteCode = Annotated[str, Query(pattern=r"^(\*|[A-Za-z][A-Za-z0-9]{1,11})$")]


class ThresholdOut(BaseModel):
    name: str
    fraction: float
    notify: str
    due_at: datetime | None
    fired_at: datetime | None


class ClockOut(BaseModel):
    clock: str
    cycle: int
    level: str
    calendar: str
    state: str
    paused: bool
    target_seconds: float = Field(description="時限 / the target, in seconds of its calendar")
    elapsed_seconds: float = Field(description="已用 / seconds of its calendar used")
    remaining_seconds: float = Field(description="剩餘 / seconds of its calendar left (<0 late)")
    due_at: datetime | None
    breached: bool
    started_at: datetime
    ended_at: datetime | None
    pauses: list[dict[str, Any]]
    thresholds: list[ThresholdOut]


class ComplaintSla(BaseModel):
    complaint_id: UUID
    site: str
    level: str
    cycle: int
    breached_now: bool
    ever_breached: bool
    clocks: list[ClockOut]


@router.get(
    "/complaints/{complaint_id}/sla",
    response_model=ComplaintSla,
    summary="A complaint's clocks / 投訴時效",
    responses={404: {"description": "Unknown complaint / 查無此投訴"}},
)
async def get_sla(
    complaint_id: UUID, pool: PoolDep, settings: SettingsDep, principal: Reader
) -> ComplaintSla:
    """For each clock (response, resolution) of each cycle: target, elapsed, remaining,
    paused or not, breached, and when each warning and the breach fall or fell due."""
    found = await clocks_now(pool, complaint_id, settings.defaults, utcnow())
    if found is None or not principal.sees(found.clocks.site or ""):
        raise ApiError(
            404,
            "complaint_not_found",
            f"No clocks for {complaint_id}",
            f"查無 {complaint_id} 的時效",
        )
    clocks, views, fired = found.clocks, found.views, found.fired
    out = [
        ClockOut(
            clock=v.kind.value, cycle=v.cycle, level=v.level.value, calendar=v.calendar,
            state=v.state.value, paused=v.state is ClockState.PAUSED,
            target_seconds=v.target_seconds, elapsed_seconds=v.elapsed_seconds,
            remaining_seconds=v.remaining_seconds, due_at=v.due_at, breached=v.breached,
            started_at=v.started_at, ended_at=v.ended_at, pauses=[dict(p) for p in v.pauses],
            thresholds=[
                ThresholdOut(
                    name=t.name, fraction=t.fraction, notify=t.notify, due_at=t.due_at,
                    fired_at=fired.get((v.kind.value, v.cycle, t.name)),
                )
                for t in v.thresholds
            ],
        )
        for v in views
    ]  # fmt: skip
    current = [v for v in views if v.cycle == clocks.cycle]
    assert clocks.site
    return ComplaintSla(
        complaint_id=complaint_id,
        site=clocks.site,
        level=clocks.level.value,
        cycle=clocks.cycle,
        breached_now=any(v.breached for v in current),
        ever_breached=any(v.breached for v in views),
        clocks=out,
    )


class PolicyOut(BaseModel):
    site: str
    category: str
    policy: SlaPolicy
    source: str


@router.get("/policies/{site}", response_model=PolicyOut, summary="SLA policy / 時效政策")
async def get_policy(
    site: str, pool: PoolDep, settings: SettingsDep, principal: Reader, category: str = "*"
) -> PolicyOut:
    """The policy in force for a site (and category): its own, every site's, or the default."""
    check_site(principal, site)
    own = await repository.own_policy(pool, site.upper(), category)
    if own is not None:
        return PolicyOut(site=site.upper(), category=category, policy=own, source="site")
    policy = await repository.policy_for(pool, site.upper(), category, settings.default_policy)
    return PolicyOut(site=site.upper(), category=category, policy=policy, source="inherited")


@router.put(
    "/policies/{site}", response_model=PolicyOut, summary="Set an SLA policy / 設定時效政策"
)
async def put_policy(
    site: str,
    policy: SlaPolicy,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    principal: Configurer,
    category: str = "*",
) -> PolicyOut:
    """Records SlaPolicyChanged, then replays the open complaints it governs. Site ``*``
    (every site) is for organisation-wide admins."""
    site = _site(site)
    check_site(principal, site)
    defaults = settings.defaults
    await set_policy(uow, site, category, policy, actor=principal.name, defaults=defaults)
    return PolicyOut(site=site, category=category, policy=policy, source="site")


@router.get(
    "/calendars/{site}", response_model=CalendarConfig, summary="Site calendar / 工作行事曆"
)
async def get_calendar(
    site: str, pool: PoolDep, settings: SettingsDep, principal: Reader
) -> CalendarConfig:
    """The site's business calendar: its zone, working hours per weekday, public holidays
    by country and region, closed days and closures; the default until a site sets its own."""
    check_site(principal, site)
    return await repository.calendar_config(pool, site.upper(), settings.default_calendar)


class WorkingWindow(BaseModel):
    start: datetime
    end: datetime


class WorkingTime(BaseModel):
    site: str
    timezone: str
    business_day_seconds: float = Field(description="一個工作天的秒數 / one business day")
    windows: list[WorkingWindow] = Field(description="上班時段 / the working time, in UTC")


MAX_WORKING_SPAN = timedelta(days=184)


@router.get(
    "/calendars/{site}/working-time",
    response_model=WorkingTime,
    summary="Working time between two instants / 上班時段",
)
async def get_working_time(
    site: str,
    pool: PoolDep,
    settings: SettingsDep,
    principal: Reader,
    start: Annotated[datetime, Query(description="起 / from")],
    end: Annotated[datetime, Query(description="迄 / until")],
) -> WorkingTime:
    """The site's working windows between ``start`` and ``end`` (at most 184 days): what a
    business-time countdown counts, so that a console says 剩 1 個工作天 3 小時."""
    check_site(principal, site)
    if start.tzinfo is None or end.tzinfo is None:
        raise ApiError(
            422, "validation_error", "start and end need a time zone", "起迄時間須含時區"
        )
    if not timedelta(0) <= end - start <= MAX_WORKING_SPAN:
        raise ApiError(
            422,
            "validation_error",
            "end must follow start, at most 184 days later",
            "迄時須晚於起時，且相距不超過 184 天",
        )
    config = await repository.calendar_config(pool, site.upper(), settings.default_calendar)
    calendar = config.build(site.upper())
    return WorkingTime(
        site=site.upper(),
        timezone=config.timezone,
        business_day_seconds=calendar.business_day_seconds,
        windows=[WorkingWindow(start=s, end=e) for s, e in calendar.windows_between(start, end)],
    )


@router.put(
    "/calendars/{site}", response_model=CalendarConfig, summary="Set a site calendar / 設定行事曆"
)
async def put_calendar(
    site: str,
    calendar: CalendarConfig,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    principal: Configurer,
) -> CalendarConfig:
    """Records SlaCalendarChanged, then replays the site's open complaints."""
    site = _site(site)
    check_site(principal, site)
    return await _store_calendar(uow, settings, site, calendar, principal.name)


@router.post(
    "/calendars/{site}/ics",
    response_model=CalendarConfig,
    summary="Import closures from ICS / 匯入 ICS 休假",
    openapi_extra={"requestBody": {"content": {"text/calendar": {"schema": {"type": "string"}}}}},
)
async def import_ics(
    site: str,
    request: Request,
    pool: PoolDep,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    principal: Configurer,
    body: Annotated[bytes, Body(media_type="text/calendar")] = b"",
) -> CalendarConfig:
    """All-day events become closed days; timed events become closures."""
    site = _site(site)
    check_site(principal, site)
    config = await get_calendar(site, pool, settings, principal)
    try:
        from zoneinfo import ZoneInfo

        days, windows = closures_from_ics(await request.body(), ZoneInfo(config.timezone))
    except (ValueError, KeyError) as exc:
        raise ApiError(
            422, "invalid_ics", f"Not a usable ICS calendar: {exc}", "ICS 格式無法讀取"
        ) from None
    try:
        merged = CalendarConfig.model_validate(
            {
                **config.model_dump(),
                "closed_days": sorted({*config.closed_days, *days}),
                "closures": [*config.closures, *({"start": s, "end": e} for s, e in windows)],
            }
        )
    except ValidationError as exc:
        raise ApiError(422, "invalid_ics", str(exc.errors()[:3]), "ICS 內容有誤") from None
    return await _store_calendar(uow, settings, site, merged, principal.name)


async def _store_calendar(
    uow: UnitOfWork, settings: SlaSettings, site: str, calendar: CalendarConfig, actor: str
) -> CalendarConfig:
    await set_calendar(uow, site, calendar, actor=actor, defaults=settings.defaults)
    return calendar


def _site(site: str) -> str:
    site = site.strip().upper()
    if site != "*" and not (2 <= len(site) <= 12 and site[0].isalpha() and site.isalnum()):
        raise ApiError(
            422, "validation_error", f"Invalid site code {site!r}", f"院區代碼有誤：{site}"
        )
    return site
