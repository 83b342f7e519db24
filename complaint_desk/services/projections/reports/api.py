"""The periodic reports over HTTP: those issued, and any period's PDF or CSV on demand."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel

from complaint_desk.contract.events.reports import ORGANISATION
from complaint_desk.shared.auth import Permission, Principal
from complaint_desk.shared.auth.http import require, scope
from complaint_desk.shared.consistency import ReadAfter
from complaint_desk.shared.documents import NoFont
from complaint_desk.shared.http import ApiError
from complaint_desk.shared.runtime.deps import PoolDep

from .. import repository
from ..periods import period_window
from ..settings import SettingsDep
from . import service

router = APIRouter(tags=["reports"], dependencies=[ReadAfter])
Reader = Annotated[Principal, Depends(require(Permission.READ))]
PERIOD = r"^\d{4}-(\d{2}|W\d{2})$"
SITE_CODE = re.compile(r"\*|[A-Z][A-Z0-9]{1,11}")


class Issued(BaseModel):
    site: str
    period: str
    issued_at: datetime
    figures: dict[str, Any]


@router.get("/reports", response_model=list[Issued], summary="Periodic reports / 定期分析報告")
async def reports(
    pool: PoolDep, principal: Reader, site: Annotated[str | None, Query(max_length=12)] = None
) -> list[Issued]:
    """The reports issued by themselves, newest first: the sites one serves (and the
    organisation's, for those who serve every site)."""
    organisation = principal.organisation_wide and site is None
    rows = await repository.reports(pool, scope(principal, site), organisation)
    return [Issued(**r) for r in rows]


def _check(principal: Principal, site: str, period: str, timezone: str) -> str:
    site = site.upper()
    theirs = principal.organisation_wide if site == ORGANISATION else principal.sees(site)
    if not SITE_CODE.fullmatch(site) or not theirs:
        raise ApiError(404, "not_found", "no report for you here", "查無此報告")
    try:
        period_window(period, timezone)
    except ValueError:
        raise ApiError(
            422, "validation_error", "no such month or week", "查無此月份或週次", field="period"
        ) from None
    return site


@router.get(
    "/reports/{site}/{period}.{extension}", summary="A report's PDF or CSV / 下載定期分析報告",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "text/csv": {}}},
               404: {"description": "Not a site of yours / 非您的院區"},
               422: {"description": "Not a month (2026-11) or a week (2026-W47)"}},
)  # fmt: skip
async def report_file(
    site: str, period: Annotated[str, Path(pattern=PERIOD)], extension: Literal["pdf", "csv"],
    pool: PoolDep, principal: Reader, settings: SettingsDep,
    lang: Literal["zh-Hant", "en"] = "zh-Hant",
) -> Response:  # fmt: skip
    """``*`` for the organisation. The issued report (Chinese) when there is one, otherwise
    produced now from the read models, for any period."""
    site = _check(principal, site, period, settings.timezone)
    stored = await repository.report_file(pool, site, period) if lang == "zh-Hant" else None
    if stored is None:
        try:
            produced = await service.produce(pool, site, period, settings, lang=lang)
        except NoFont:
            raise ApiError(503, "unavailable", "no CJK font installed", "未安裝中文字型") from None
        stored = {"pdf": produced.pdf, "csv": produced.csv}
    name = f"report-{'ORG' if site == ORGANISATION else site}-{period}.{extension}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if extension == "pdf":
        return Response(stored["pdf"], media_type="application/pdf", headers=disposition)
    return Response(stored["csv"], media_type="text/csv; charset=utf-8", headers=disposition)
