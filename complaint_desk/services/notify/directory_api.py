"""The staff directory over HTTP (通知對象): who holds each role that notices go to at a site,
which alert roles nobody holds, and a test message to an entry. Site admins keep their own
sites'; site ``*`` (every site) is for organisation-wide admins."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, model_validator

from complaint_desk.contract.events import utcnow
from complaint_desk.shared.auth import Permission, Principal
from complaint_desk.shared.auth.http import check_site, require
from complaint_desk.shared.http import ApiError
from complaint_desk.shared.invalid import Invalid
from complaint_desk.shared.runtime.deps import PoolDep

from . import destinations, repository
from .domain import ALERT_ROLES
from .service import test_message

router = APIRouter(tags=["notifications"])
SiteAdmin = Annotated[Principal, Depends(require(Permission.CONFIGURE_SITE))]


class StaffEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Literal["email", "sms"]
    destination: Annotated[str, Field(min_length=3, max_length=200)]
    locale: Literal["zh-Hant", "en"] = "zh-Hant"

    @model_validator(mode="after")
    def _reachable(self) -> StaffEntry:
        wrong = destinations.problem(self.channel, self.destination)
        if wrong:
            raise Invalid(f"destination: {wrong}", "送達位址不符此管道的格式")
        return self


@router.put("/directory/{site}/{role}", response_model=StaffEntry,
            summary="Who holds a role at a site / 通知對象")  # fmt: skip
async def put_staff(
    site: Annotated[str, Field(pattern=r"^(\*|[A-Z][A-Z0-9]{1,11})$")],
    role: Annotated[str, Field(min_length=2, max_length=120)],
    entry: StaffEntry,
    pool: PoolDep,
    principal: SiteAdmin,
) -> StaffEntry:
    """Roles: supervisor, duty_manager, assigned_officer, maintenance, procurement,
    ``maintenance:<team>``, ``officer:<name>``, ... Site ``*`` (every site) is for
    organisation-wide admins."""
    check_site(principal, site)
    await repository.put_staff(
        pool, site.upper(), role, entry.channel, entry.destination, entry.locale
    )
    return entry


class DirectoryEntry(BaseModel):
    site: str = Field(description="院區；`*` 為所有院區 / the site, `*` for every site")
    role: str
    channel: str
    destination: str
    locale: str


class Directory(BaseModel):
    entries: list[DirectoryEntry]
    unstaffed: list[str] = Field(
        description="無人可通知的角色 / roles alerts go to that nobody holds here or for every "
        "site (their alerts fall back along the chain, or nobody is told)"
    )


SiteCode = Annotated[str, Field(pattern=r"^(\*|[A-Z][A-Z0-9]{1,11})$")]


@router.get("/directory/{site}", response_model=Directory, summary="A site's directory / 通知對象")
async def get_directory(site: SiteCode, pool: PoolDep, principal: SiteAdmin) -> Directory:
    """Who holds each role at ``site`` and for every site, and which roles alerts go to
    that nobody holds."""
    check_site(principal, site)
    entries = [DirectoryEntry(**e) for e in await repository.directory(pool, site.upper())]
    held = {e.role for e in entries}
    return Directory(entries=entries, unstaffed=[r for r in ALERT_ROLES if r not in held])


@router.post(
    "/directory/{site}/{role}/test",
    status_code=202,
    summary="Send a test message / 發送測試訊息",
    responses={404: {"description": "Nobody holds the role there / 此角色無人"}},
)
async def test_staff(
    site: SiteCode,
    role: Annotated[str, Field(min_length=2, max_length=120)],
    pool: PoolDep,
    principal: SiteAdmin,
) -> dict[str, str]:
    """Queues a message, in the entry's language, to whoever the directory names for
    ``role`` at ``site``: it goes out like any notice, and its delivery shows in the
    deliveries (and dead letters, if it cannot be delivered)."""
    check_site(principal, site)
    entry = await repository.staff_entry(pool, site.upper(), role)
    if entry is None:
        raise ApiError(
            404, "not_in_directory", f"Nobody holds {role} at {site}", f"{site} 院區的此角色無人"
        )
    outgoing = test_message(site.upper(), role, entry, principal.name, utcnow())
    async with pool.acquire() as conn:
        await repository.queue(conn, None, site.upper(), [outgoing])
    return {"queued": outgoing.destination}
