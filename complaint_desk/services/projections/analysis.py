"""Learning from the complaints (歸檔與總結): dashboards, officer indicators, hotspots."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, Field

from complaint_desk.contract.events import utcnow
from complaint_desk.shared.auth import Permission, Principal
from complaint_desk.shared.auth.http import require, scope
from complaint_desk.shared.consistency import ReadAfter
from complaint_desk.shared.http import ApiError
from complaint_desk.shared.runtime.deps import PoolDep

from . import repository
from .personal import shown

router = APIRouter(tags=["analysis"], dependencies=[ReadAfter])
Site = Annotated[str | None, Query(max_length=12)]
Reader = Annotated[Principal, Depends(require(Permission.READ))]


class ReasonCount(BaseModel):
    reason: str
    answers: int


class GroupFigures(BaseModel):
    group: str
    received: int = Field(
        description="受理件數，併案者不重複計 / received, merged ones counted once"
    )
    merged: int = Field(0, description="併入他案的件數 / complaints merged into another")
    provisional: int = Field(description="暫定: not classified yet, at their provisional level")
    resolved: int
    closed: int
    resolution_rate: float = Field(description="解決率 / share resolved, 0 to 1")
    response_p50: float | None = Field(description="首次回應中位數 / median seconds to contact")
    response_p90: float | None = Field(description="首次回應 P90 / seconds to contact, p90")
    resolution_p50: float | None = Field(description="解決中位數 / median seconds to resolve")
    resolution_p90: float | None = Field(description="解決 P90 / seconds to resolve, p90")
    satisfaction: float | None = Field(description="滿意度 / share satisfied, 0 to 1")
    rating: float | None = Field(None, description="滿意度評分 1–5 的平均 / mean rating, 1 to 5")
    reopen_rate: float = Field(description="重新開啟率 / share reopened, 0 to 1")
    breached_now: int
    breached_ever: int


class Dashboard(BaseModel):
    site: str | None
    start: datetime
    end: datetime
    group_by: str
    groups: list[GroupFigures]
    top_reasons: list[ReasonCount] = Field(
        default_factory=list, description="不滿意原因 / what complainants said was not right"
    )


def _window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    end = end or utcnow()
    start = start or end - timedelta(days=30)
    if start >= end:
        raise ApiError(
            422, "validation_error", "start must come before end", "開始時間須早於結束時間"
        )
    return start, end


@router.get("/dashboard", response_model=Dashboard, summary="Dashboard / 統計儀表板")
async def dashboard(
    pool: PoolDep,
    principal: Reader,
    site: Site = None,
    start: AwareDatetime | None = None,
    end: AwareDatetime | None = None,
    group_by: Literal["none", "category", "severity"] = "none",
) -> Dashboard:
    """Volumes, first-response and resolution times (median and p90, in seconds), resolution
    rate, SLA breaches now and ever, satisfaction and reopen rate, for complaints received in
    the window (default: the last 30 days), per site or for the whole organisation."""
    start, end = _window(start, end)
    rows = await repository.dashboard(pool, scope(principal, site), start, end, group_by)
    groups = [
        GroupFigures(**r, resolution_rate=r["resolved"] / r["received"] if r["received"] else 0.0)
        for r in rows
    ]
    reasons = await repository.top_reasons(pool, scope(principal, site), start, end)
    return Dashboard(
        site=site, start=start, end=end, group_by=group_by, groups=groups,
        top_reasons=[ReasonCount(**r) for r in reasons],
    )  # fmt: skip


class OfficerFigures(BaseModel):
    officer: str
    received: int
    response_p50: float | None = Field(description="回應中位數 / median seconds to contact")
    resolution_rate: float = Field(description="解決率 / share resolved, 0 to 1")
    satisfaction: float | None = Field(description="滿意度 / share satisfied, 0 to 1")
    rating: float | None = Field(None, description="評分 / mean rating, 1 to 5")
    reopen_rate: float = Field(0.0, description="重新開啟率 / share of complaints reopened")
    complaint_ids: list[UUID] = Field(default_factory=list, description="背後的投訴 / behind it")
    numbers: list[str] = Field(default_factory=list)


@router.get("/officers", response_model=list[OfficerFigures], summary="Officer KPIs / 值班員績效")
async def officers(
    pool: PoolDep,
    principal: Reader,
    site: Site = None,
    start: AwareDatetime | None = None,
    end: AwareDatetime | None = None,
) -> list[OfficerFigures]:
    """Per duty officer: response time (響應時間), resolution rate (解決率) and satisfaction
    (滿意度)."""
    start, end = _window(start, end)
    rows = await repository.officers(pool, scope(principal, site), start, end)
    return [OfficerFigures(**r) for r in rows if r["officer"] is not None]


class Hotspot(BaseModel):
    site: str
    location: str
    category: str
    complaints: int
    complaint_ids: list[UUID]
    numbers: list[str]
    last_received_at: datetime


@router.get("/hotspots", response_model=list[Hotspot], summary="Recurring problems / 高頻問題")
async def hotspots(
    pool: PoolDep,
    principal: Reader,
    site: Site = None,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
    threshold: Annotated[int, Query(ge=2, le=1000)] = 3,
) -> list[Hotspot]:
    """The same category at the same site and place ``threshold`` times within ``days`` —
    the seed's water dispenser that keeps failing — with the complaints behind it."""
    rows = await repository.hotspots(
        pool,
        scope(principal, site),
        utcnow() - timedelta(days=days),
        threshold,
    )
    return [Hotspot(**r) for r in rows]


class EquipmentHotspot(BaseModel):
    key: str = Field(description="分組 / the equipment (site and code), place, type or model")
    asset_type: str | None = None
    name: str | None = Field(None, description="設備或地點名稱 / the equipment's or place's name")
    model: str | None = None
    sites: list[str]
    complaints: int
    complaint_ids: list[UUID]
    numbers: list[str]
    first_received_at: datetime
    last_received_at: datetime
    mean_days_between: float | None = Field(
        None, description="平均故障間隔（天）/ mean days between its complaints"
    )


@router.get(
    "/hotspots/equipment",
    response_model=list[EquipmentHotspot],
    summary="Recurring problems by equipment / 設備高頻問題",
)
async def equipment_hotspots(
    pool: PoolDep,
    principal: Reader,
    site: Site = None,
    by: Literal["asset", "place", "type", "model"] = "asset",
    days: Annotated[int, Query(ge=1, le=366)] = 90,
    threshold: Annotated[int, Query(ge=2, le=1000)] = 3,
) -> list[EquipmentHotspot]:
    """Complaints linked to the registry, by one piece of equipment (``asset``), one place,
    or the type or model of equipment across the sites the caller sees (the dispenser model
    that fails everywhere), with the complaints behind each and the mean time between them."""
    rows = await repository.equipment_hotspots(
        pool, scope(principal, site), utcnow() - timedelta(days=days), by, threshold
    )
    return [EquipmentHotspot(**r) for r in rows]


class RepeatComplainant(BaseModel):
    complainant: str  # a short reference to the keyed hash, never the contact itself
    name: str
    complaints: int
    sites: list[str]
    complaint_ids: list[UUID]
    numbers: list[str]
    last_received_at: datetime


@router.get(
    "/repeat-complainants",
    response_model=list[RepeatComplainant],
    summary="Repeat complainants / 重複投訴人",
)
async def repeat_complainants(
    request: Request,
    pool: PoolDep,
    principal: Reader,
    site: Site = None,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
    threshold: Annotated[int, Query(ge=2, le=1000)] = 3,
) -> list[RepeatComplainant]:
    """People who complained ``threshold`` times within ``days`` (recognised by their phone
    or email), with their complaints: someone the desk should call back in person."""
    rows = await repository.repeat_complainants(
        pool,
        scope(principal, site),
        utcnow() - timedelta(days=days),
        threshold,
    )
    names = await shown(request, principal, [r["name"] for r in rows])
    return [RepeatComplainant(**(r | {"name": n})) for r, n in zip(rows, names, strict=True)]
