"""Intake's HTTP API for files: upload one to a complaint (then name it in a command's
``files``), list a complaint's files, and fetch one back, only for those who serve its site,
as a type the browser never runs."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from starlette.datastructures import UploadFile

from complaint_desk.contract.events.files import AttachedFile
from complaint_desk.shared.auth import Permission, Principal
from complaint_desk.shared.auth.http import current_principal, forbidden, require
from complaint_desk.shared.http import ApiError
from complaint_desk.shared.runtime.deps import UnitOfWorkDep
from complaint_desk.shared.uow import UnitOfWork

from . import attachments
from .api import HTTP_STATUS
from .refusals import ComplaintNotFound, FileTooLarge, Refusal
from .repository import AttachmentStore, ComplaintRepository
from .settings import SettingsDep

router = APIRouter(tags=["attachments"])
Reader = Annotated[Principal, Depends(require(Permission.READ))]
FORM_OVERHEAD = 64 * 1024  # what multipart framing and the small fields may add to a file


def _refused(exc: Refusal) -> ApiError:
    return ApiError(HTTP_STATUS[exc.kind], exc.code, exc.message, exc.message_zh, **exc.details)


async def visible_complaint(uow: UnitOfWork, complaint_id: UUID, principal: Principal) -> str:
    """The complaint's site; 404 for a complaint unknown, or of a site the caller does not
    serve."""
    async with uow() as conn:
        complaint = await ComplaintRepository(conn).get(complaint_id)
    if complaint is None or complaint.site is None or not principal.sees(complaint.site):
        raise _refused(ComplaintNotFound(complaint_id))
    return complaint.site


def _not_found(file_id: UUID) -> ApiError:
    return ApiError(404, "file_not_found", f"No file {file_id}", "查無此附件")


@router.post(
    "/complaints/{complaint_id}/attachments",
    status_code=201,
    response_model=AttachedFile,
    summary="Attach a file / 上傳附件",
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "personal": {"type": "boolean", "default": False},
                        },
                    }
                }
            }
        }
    },
    responses={
        413: {"description": "Too large / 檔案過大"},
        415: {"description": "Not an allowed type / 不接受的檔案類型"},
    },
)
async def upload(
    complaint_id: UUID,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(current_principal)],
) -> AttachedFile:
    """One photo or PDF, judged by its content (415 otherwise); a photo is stored without
    its EXIF (no location), with a web-sized copy and a thumbnail. ``personal``: it shows a
    person, and goes when the complainant's data is erased. Name the returned ``id`` in the
    ``files`` of evidence, task progress or completion, a callback or the report."""
    if not attachments.may_attach(principal):
        raise forbidden(f"{principal.role} may not attach files", "您的角色不可上傳附件")
    site = await visible_complaint(uow, complaint_id, principal)  # whatever is sent
    limit = settings.attachment_max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + FORM_OVERHEAD:
        raise _refused(FileTooLarge("", limit))  # the name is in the body not read
    form = await request.form(max_files=1, max_fields=4)
    try:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise ApiError(
                422, "validation_error", "file: send one file as multipart form data",
                "請以 multipart 表單上傳一個檔案（欄位 file）", field="file",
            )  # fmt: skip
        personal = str(form.get("personal", "")).lower() in ("1", "true", "on", "yes")
        return await attachments.upload(
            uow, complaint_id, file.file, file.filename or "file",
            site=site, personal=personal, uploaded_by=principal.name,
            limits=attachments.Limits(
                settings.attachment_types, limit, settings.attachments_per_complaint_max_bytes
            ),
        )  # fmt: skip
    except Refusal as exc:
        raise _refused(exc) from None
    finally:
        await form.close()


@router.get(
    "/complaints/{complaint_id}/attachments",
    response_model=list[AttachedFile],
    summary="A complaint's files / 投訴附件",
)
async def list_files(
    complaint_id: UUID, uow: UnitOfWorkDep, principal: Reader
) -> list[AttachedFile]:
    """Every file uploaded to the complaint, erased ones included (by hash only)."""
    await visible_complaint(uow, complaint_id, principal)
    async with uow() as conn:
        rows = await AttachmentStore(conn).of_complaint(complaint_id)
    return [attachments.reference(r) for r in rows]


@router.get(
    "/attachments/{attachment_id}",
    summary="Fetch a file / 下載附件",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"image/jpeg": {}, "application/pdf": {}}},
        404: {"description": "Unknown, or another site's / 查無此附件"},
        410: {"description": "Erased / 已抹除"},
    },
)
async def fetch(
    attachment_id: UUID,
    uow: UnitOfWorkDep,
    principal: Reader,
    variant: Annotated[attachments.Variant, Query(description="原檔、網頁尺寸或縮圖")] = "original",
) -> StreamingResponse:
    """The file's bytes, for users of its complaint's site (404 for anyone else), served so
    that no browser runs it: its own type, ``nosniff`` and a sandboxing policy."""
    async with uow() as conn:
        found = await attachments.find(AttachmentStore(conn), attachment_id, variant)
    if found is None or not principal.sees(found.site):
        raise _not_found(attachment_id)
    if found.erased:
        raise ApiError(410, "file_erased", f"File {attachment_id} was erased", "已抹除")
    name = found.file.name
    if variant != "original" and found.sha256 != found.file.sha256:
        name = name.rsplit(".", 1)[0] + f"-{variant}.jpg"
    disposition = "inline" if found.media_type.startswith("image/") else "attachment"
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return StreamingResponse(
        attachments.stream(uow, found.sha256),
        media_type=found.media_type,
        headers={
            "Content-Disposition": (
                f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
            ),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, max-age=3600",
            "ETag": f'"{found.sha256}"',
        },
    )
