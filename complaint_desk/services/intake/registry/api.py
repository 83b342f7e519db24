"""The registry over HTTP: read a site's places and equipment (and the ones a free-text
location names), put or retire one (a site admin), import a CSV (a dry run first), and link
a complaint to what it is about (an officer)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel, Field, ValidationError

from complaint_desk.contract.events import utcnow
from complaint_desk.shared.auth import Permission, Principal
from complaint_desk.shared.auth.http import check_site, require
from complaint_desk.shared.http import ApiError
from complaint_desk.shared.runtime.deps import UnitOfWorkDep

from .. import commands as c
from ..api import ERRORS, Caller, CommandResult, _prepared, _result, _translate
from ..repository import RegistryStore
from . import service
from .rows import AssetFields, AssetRow, PlaceFields, PlaceRow

router = APIRouter(tags=["registry"])
R = TypeVar("R", PlaceRow, AssetRow)
Admin = Annotated[Principal, Depends(require(Permission.CONFIGURE_SITE))]
Reader = Annotated[Principal, Depends(require(Permission.READ))]
Site = Annotated[str, Query(min_length=2, max_length=12)]
CSV_MAX = 5 * 1024 * 1024


class Registry(BaseModel):
    site: str
    places: list[dict[str, Any]]
    assets: list[dict[str, Any]]


class Suggestions(BaseModel):
    items: list[dict[str, Any]] = Field(
        description="kind (place or asset), code, name, type, place"
    )


class Put(BaseModel):
    action: Literal["added", "changed", "unchanged"]


class Retire(BaseModel):
    reason: str | None = Field(None, max_length=500)


class ImportReport(BaseModel):
    dry_run: bool
    counts: dict[str, int] = Field(description="新增、變更、未變 / added, changed, unchanged")
    changes: list[dict[str, Any]]
    bad_rows: list[dict[str, Any]] = Field(description="有誤的列與原因 / each bad row and why")


def _row(model: type[R], body: BaseModel, code: str) -> R:
    """The row with the path's code (the path names what is put)."""
    try:
        return model.model_validate({**body.model_dump(), "code": code})
    except ValidationError:
        raise ApiError(
            422, "validation_error", "the code is letters, digits, . _ - (at most 40)",
            "代碼須為英數字與 . _ -（最多 40 字）", field="code",
        ) from None  # fmt: skip


def _site(principal: Principal, site: str) -> str:
    site = site.upper()
    check_site(principal, site)
    return site


@router.get(
    "/sites/{site}/registry", response_model=Registry, summary="Places and equipment / 地點與設備"
)
async def registry(
    site: str, uow: UnitOfWorkDep, principal: Reader, retired: bool = False
) -> Registry:
    """The site's places and equipment in use (``retired=true``: the retired ones too)."""
    site = _site(principal, site)
    async with uow() as conn:
        store = RegistryStore(conn)
        places = [dict(r) for r in await store.places(site, retired=retired)]
        assets = [dict(r) for r in await store.assets(site, retired=retired)]
    return Registry(site=site, places=places, assets=assets)


@router.get(
    "/sites/{site}/registry/suggest", summary="What a free-text place names / 建議地點與設備"
)
async def suggest(
    site: str, uow: UnitOfWorkDep, principal: Reader,
    location: Annotated[str, Query(min_length=1, max_length=200)],
) -> Suggestions:  # fmt: skip
    """Registered places and equipment whose name the location contains (or that contain
    it), without case or spaces: what the officer may link the complaint to."""
    site = _site(principal, site)
    async with uow() as conn:
        return Suggestions(
            items=[dict(r) for r in await RegistryStore(conn).suggest(site, location)]
        )


@router.put(
    "/sites/{site}/places/{code}",
    response_model=Put,
    summary="Put a place / 新增或修改地點",
    responses=ERRORS,
)
async def put_place(
    site: str, code: str, body: PlaceFields, uow: UnitOfWorkDep, principal: Admin
) -> Put:
    """Add a place (PlaceRegistered) or change one (PlaceChanged); the answer says which,
    or unchanged."""
    site = _site(principal, site)
    row = _row(PlaceRow, body, code)
    return Put(
        action=await _translate(service.put(uow, site, row, principal.name, utcnow().date()))
    )


@router.put(
    "/sites/{site}/assets/{code}",
    response_model=Put,
    summary="Put equipment / 新增或修改設備",
    responses=ERRORS,
)
async def put_asset(
    site: str, code: str, body: AssetFields, uow: UnitOfWorkDep, principal: Admin
) -> Put:
    """Add a piece of equipment (AssetRegistered) or change one (AssetChanged): its place
    must be a registered one, its install date not in the future."""
    site = _site(principal, site)
    row = _row(AssetRow, body, code)
    return Put(
        action=await _translate(service.put(uow, site, row, principal.name, utcnow().date()))
    )


@router.post(
    "/sites/{site}/{kind}/{code}/retire",
    status_code=204,
    summary="Retire a place or equipment / 停用",
    responses=ERRORS,
)
async def retire(
    site: str, kind: Literal["places", "assets"], code: str, body: Retire, uow: UnitOfWorkDep,
    principal: Admin,
) -> Response:  # fmt: skip
    """Retire a place or a piece of equipment (PlaceRetired, AssetRetired): it is no longer
    offered, and complaints already linked keep it."""
    site = _site(principal, site)
    what: service.Kind = "place" if kind == "places" else "asset"
    await _translate(service.retire(uow, site, what, code, body.reason, principal.name))
    return Response(status_code=204)


@router.post(
    "/sites/{site}/registry/import", response_model=ImportReport,
    summary="Import places and equipment from CSV / 匯入地點與設備", responses=ERRORS,
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)  # fmt: skip
async def import_csv(
    site: str, request: Request, uow: UnitOfWorkDep, principal: Admin, dry_run: bool = True
) -> ImportReport:
    """One CSV (UTF-8; headers in English or Chinese: kind, code, name, building, floor, room,
    type, serial, model, installed_on, place, maintenance_team). ``dry_run`` (the default)
    lists what would change and every bad row with its reason; without it a file with a bad
    row imports nothing (422, the rows listed)."""
    site = _site(principal, site)
    raw = await request.body()
    if len(raw) > CSV_MAX:
        raise ApiError(413, "too_large", "at most 5 MB of CSV", "CSV 最多 5 MB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(422, "not_utf8", "the CSV is not UTF-8", "CSV 須為 UTF-8 編碼") from None
    plan = await _translate(
        service.import_csv(uow, site, text, principal.name, utcnow().date(), dry_run=dry_run)
    )
    return ImportReport(
        dry_run=dry_run, counts=plan.counts, changes=[vars(x) for x in plan.changes],
        bad_rows=[vars(b) for b in plan.bad],
    )  # fmt: skip


@router.post(
    "/complaints/{complaint_id}/asset", response_model=CommandResult,
    summary="Link the registered place and equipment / 連結地點與設備", responses=ERRORS,
)  # fmt: skip
async def link_asset(
    complaint_id: UUID, body: c.LinkAsset, uow: UnitOfWorkDep, response: Response,
    principal: Caller, x_correlation_id: Annotated[str | None, Header(max_length=64)] = None,
) -> CommandResult:  # fmt: skip
    """Records AssetLinked: the place (the equipment's own when only it is named), the
    equipment, its type and model. Hotspots and problem records count by these."""
    command, provenance = _prepared("asset", principal, body, None, x_correlation_id)
    outcome = await _translate(
        service.link(uow, complaint_id, command, sites=principal.sites, provenance=provenance)
    )
    return _result(outcome, response)
