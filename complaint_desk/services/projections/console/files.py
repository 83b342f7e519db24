"""Files in the console: a photo from the tablet's camera (or a PDF) uploaded to the complaint
through intake, one request per file so each shows its own progress and its own error; and
a file fetched back through intake, for the signed-in officer, as intake serves it."""

from collections.abc import AsyncIterator
from typing import Annotated, Any
from uuid import UUID

import aiohttp
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.datastructures import UploadFile

from complaint_desk.shared.runtime.deps import running

from .. import repository
from ..settings import SettingsDep
from .csrf import SameOriginForm
from .pages import Viewer
from .render import lang_of, texts
from .signin import credential

router = APIRouter(include_in_schema=False)
# What intake says of a file that the browser must hear too.
PASSED_ON = ("content-type", "content-disposition", "x-content-type-options", "etag")


async def send_file(
    intake_url: str,
    complaint_id: UUID,
    upload: UploadFile,
    personal: bool,
    headers: dict[str, str],
) -> tuple[int, dict[str, Any]]:
    """One file to intake, streamed from where the upload was spooled; its answer."""
    form = aiohttp.FormData(quote_fields=False)  # a Chinese file name as it is, not %E6…
    form.add_field(
        "file",
        upload.file,
        filename=upload.filename or "file",
        content_type=upload.content_type or "application/octet-stream",
    )
    form.add_field("personal", "true" if personal else "false")
    timeout = aiohttp.ClientTimeout(total=120)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.post(
            f"{intake_url.rstrip('/')}/complaints/{complaint_id}/attachments",
            data=form,
            headers=headers,
        ) as response,
    ):
        body = await response.json(content_type=None)
        return response.status, body if isinstance(body, dict) else {}


@router.post("/console/complaints/{complaint_id}/attachments", dependencies=[SameOriginForm])
async def upload(
    request: Request, settings: SettingsDep, _: Viewer, complaint_id: UUID
) -> JSONResponse:
    """A file from the page's picker, for the action's form to name: the file's reference,
    or why it was refused, in the officer's language."""
    t = texts(request)
    row = await repository.get_complaint(running(request).pool, complaint_id)
    if row is None or not request.state.principal.sees(row["site"]):
        return JSONResponse({"error": t("files.not_found")}, status_code=404)
    data = await request.form()
    upload = data.get("file")
    if not isinstance(upload, UploadFile):
        return JSONResponse({"error": t("files.none")}, status_code=422)
    try:
        status, body = await send_file(
            settings.intake_url, complaint_id, upload, data.get("personal") == "on",
            credential(request),
        )  # fmt: skip
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return JSONResponse({"error": t("error.unavailable")}, status_code=503)
    if status >= 300:
        error = body.get("error", {})
        said = error.get("message_zh" if lang_of(request) == "zh-Hant" else "message")
        return JSONResponse(
            {"error": said or t("error.unavailable")}, status_code=status if status < 500 else 503
        )
    return JSONResponse(body, status_code=201)


@router.get("/console/attachments/{attachment_id}")
async def fetch(
    request: Request,
    settings: SettingsDep,
    _: Viewer,
    attachment_id: UUID,
    variant: Annotated[str, Query(pattern="^(original|web|thumb)$")] = "original",
) -> Response:
    """The file as intake serves it to this officer (404 for another site's)."""
    url = f"{settings.intake_url.rstrip('/')}/attachments/{attachment_id}"
    return await relay(request, url, {"variant": variant}, "files.not_found")


@router.get("/console/complaints/{complaint_id}/dossier")
async def dossier(
    request: Request, settings: SettingsDep, _: Viewer, complaint_id: UUID
) -> Response:
    """The sealed dossier (ZIP) as intake makes it for this officer."""
    url = f"{settings.intake_url.rstrip('/')}/complaints/{complaint_id}/dossier"
    return await relay(request, url, {}, "dossier.not_sealed")


async def relay(
    request: Request, url: str, params: dict[str, str] | list[tuple[str, str]], missing: str
) -> Response:
    """Intake's answer streamed through to the browser, with intake's safety headers."""
    t = texts(request)
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120))
    try:
        response = await session.get(url, params=params, headers=credential(request))
    except (aiohttp.ClientError, TimeoutError):
        await session.close()
        return Response(t("error.unavailable"), status_code=503)
    if response.status != 200:
        status = response.status
        response.release()
        await session.close()
        said = t("files.erased") if status == 410 else t(missing)
        return Response(said, status_code=status, media_type="text/plain; charset=utf-8")

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in response.content.iter_chunked(64 * 1024):
                yield chunk
        finally:
            response.release()
            await session.close()

    headers = {k: v for k, v in response.headers.items() if k.lower() in PASSED_ON}
    headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    headers["Cache-Control"] = "private, max-age=3600"
    return StreamingResponse(body(), headers=headers)
