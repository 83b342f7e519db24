"""The officers' evaluation (培訓與考核) for a month or an ISO week: each duty officer's
indicators beside all officers' and the period before, with their training records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from complaint_desk.shared.auth.http import scope
from complaint_desk.shared.consistency import ReadAfter
from complaint_desk.shared.http import ApiError
from complaint_desk.shared.runtime.deps import PoolDep

from . import repository
from .analysis import OfficerFigures, Reader, Site
from .periods import period_window
from .settings import SettingsDep

router = APIRouter(tags=["analysis"], dependencies=[ReadAfter])

PERIOD = r"^\d{4}-(\d{2}|W\d{2})$"


class Training(BaseModel):
    """A retraining (培訓) for the officer: from an improvement action, or the attitude
    solution of a complaint that named them."""

    training_id: UUID
    site: str
    reason: str
    source: Literal["problem", "complaint"]
    ref: UUID = Field(description="問題紀錄或投訴 / the problem record or the complaint")
    assigned_at: datetime
    due_on: date | None
    done_at: datetime | None


class Evaluation(BaseModel):
    officer: str
    current: OfficerFigures | None = Field(None, description="本期 / this period")
    previous: OfficerFigures | None = Field(None, description="上期 / the period before")
    training: list[Training] = Field(
        default_factory=list, description="本期指派或仍未完成的培訓 / assigned, or still open"
    )


class Evaluations(BaseModel):
    """The officers' evaluation (考核) for a period, beside the site's and the period before."""

    site: str | None
    period: str
    start: datetime
    end: datetime
    previous_period: str
    everyone: Evaluation = Field(description="全體值班員 / all officers together")
    officers: list[Evaluation]


@router.get(
    "/officers/evaluation", response_model=Evaluations, summary="Officers' evaluation / 值班員考核"
)
async def evaluation(
    pool: PoolDep,
    principal: Reader,
    settings: SettingsDep,
    period: Annotated[
        str, Query(pattern=r"^\d{4}-(\d{2}|W\d{2})$", description="2026-11 or 2026-W47")
    ],
    site: Site = None,
) -> Evaluations:
    """Per officer, for a month or an ISO week in the desk's time zone: volume, first-response
    time (median), resolution rate, satisfaction and rating, reopen rate, with the complaints
    behind each; beside all officers' figures and each one's previous period. The same
    computation as ``/officers``."""
    try:
        window = period_window(period, settings.timezone)
    except ValueError:
        raise ApiError(
            422, "validation_error", "no such month or week", "查無此月份或週次", field="period"
        ) from None
    sites = scope(principal, site)
    now = await repository.officers(pool, sites, window.start, window.end)
    before = await repository.officers(pool, sites, window.previous_start, window.start)
    mine = {r["officer"]: OfficerFigures(**{**r, "officer": r["officer"] or "*"}) for r in now}
    theirs = {r["officer"]: OfficerFigures(**{**r, "officer": r["officer"] or "*"}) for r in before}
    training: dict[str, list[Training]] = {}
    for t in await repository.training_of(pool, sites, window.start, window.end):
        training.setdefault(t["officer"], []).append(Training(**t))
    names = sorted({n for n in (*mine, *theirs, *training) if n is not None})
    return Evaluations(
        site=site, period=window.label, start=window.start, end=window.end,
        previous_period=window.previous_label,
        everyone=Evaluation(officer="*", current=mine.get(None), previous=theirs.get(None)),
        officers=[Evaluation(officer=n, current=mine.get(n), previous=theirs.get(n),
                             training=training.get(n, [])) for n in names],
    )  # fmt: skip
