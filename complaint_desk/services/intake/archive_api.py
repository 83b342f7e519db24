"""Intake's HTTP API for the archive: a closed complaint's sealed dossier (ZIP), and whether
the log, the stored files or a downloaded dossier still match its seal."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Depends
from fastapi.responses import Response
from pydantic import BaseModel, Field

from complaint_desk.shared.auth import Permission, Principal
from complaint_desk.shared.auth.http import require
from complaint_desk.shared.http import ApiError
from complaint_desk.shared.runtime.deps import KeyRingDep, UnitOfWorkDep

from . import archive
from .attachments_api import visible_complaint
from .refusals import Refusal
from .settings import SettingsDep

router = APIRouter(tags=["archive"])
Reader = Annotated[Principal, Depends(require(Permission.READ))]


class Verdict(BaseModel):
    intact: bool = Field(description="自封存後未曾變動 / unchanged since sealing")
    problems: list[str] = Field(default_factory=list, description="what differs, if anything")
    version: int | None = Field(None, description="封存至事件版本 / the last event sealed")


def _not_sealed(complaint_id: UUID) -> ApiError:
    return ApiError(
        404, "not_sealed", f"Complaint {complaint_id} has no sealed dossier (it closes first)",
        "此投訴尚未歸檔封存（結案後才會封存）",
    )  # fmt: skip


@router.get(
    "/complaints/{complaint_id}/dossier",
    summary="The sealed dossier / 歸檔卷宗",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}, 404: {"description": "Not sealed"}},
)
async def get_dossier(
    complaint_id: UUID,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    keyring: KeyRingDep,
    principal: Reader,
) -> Response:
    """A ZIP of the record as sealed at its last close: dossier.pdf (the whole record in
    words, photos as thumbnails, the messages sent), events.json, files/<sha256> for every
    file the events name (erased ones listed in seal.json), and seal.json (the chain's head
    and the desk's signature)."""
    await visible_complaint(uow, complaint_id, principal)
    async with uow() as conn:
        try:
            content = await archive.dossier_zip(
                conn, complaint_id, font=settings.report_font, zone=settings.number_timezone,
                keyring=keyring,
            )  # fmt: skip
        except Refusal as exc:
            raise ApiError(503, exc.code, exc.message, exc.message_zh) from None
    if content is None:
        raise _not_sealed(complaint_id)
    return Response(
        content,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="dossier-{complaint_id}.zip"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get(
    "/complaints/{complaint_id}/dossier/verify",
    response_model=Verdict,
    summary="Check the record against its seal / 驗證歸檔",
)
async def verify_log(
    complaint_id: UUID, uow: UnitOfWorkDep, settings: SettingsDep, principal: Reader
) -> Verdict:
    """Recomputes the seal's hash chain from the log and the stored files."""
    await visible_complaint(uow, complaint_id, principal)
    async with uow() as conn:
        verdict = await archive.verify_log(conn, complaint_id, settings.dossier_seal_key.encode())
        sealed = await archive.latest_seal(conn, complaint_id)
    if verdict is None or sealed is None:
        raise _not_sealed(complaint_id)
    return Verdict(
        intact=verdict.intact, problems=list(verdict.problems), version=sealed.data["version"]
    )


@router.post(
    "/dossiers/verify",
    response_model=Verdict,
    summary="Check a downloaded dossier / 驗證下載的卷宗",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            }
        }
    },
)
async def verify_download(
    settings: SettingsDep,
    _: Reader,
    body: Annotated[bytes, Body(media_type="application/octet-stream")] = b"",
) -> Verdict:
    """Whether a dossier's events and files are as its seal says, and the seal the desk's."""
    verdict = archive.verify_zip(body, settings.dossier_seal_key.encode())
    return Verdict(intact=verdict.intact, problems=list(verdict.problems))
