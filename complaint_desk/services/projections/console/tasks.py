"""The console's actions on one open task of a complaint: record its progress, complete it,
cancel it (intake's ``/complaints/{id}/tasks/{task_id}/…`` commands)."""

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ..settings import SettingsDep
from .csrf import SameOriginForm
from .forms import TASK_ACTIONS
from .pages import Viewer, form_of, send_action
from .render import render

router = APIRouter(include_in_schema=False)


@router.post(
    "/console/complaints/{complaint_id}/tasks/{task_id}/{action}",
    response_class=HTMLResponse,
    dependencies=[SameOriginForm],
)
async def act_on_task(
    request: Request,
    settings: SettingsDep,
    _: Viewer,
    complaint_id: UUID,
    task_id: UUID,
    action: str,
) -> Response:
    """Progress, completion or cancellation of a task, with the version the officer saw."""
    if action not in TASK_ACTIONS:
        return render(request, "not_found.html", 404)
    form = await form_of(request)
    body = TASK_ACTIONS[action](form)
    path = f"tasks/{task_id}/{action}"
    return await send_action(request, settings, complaint_id, path, f"task_{action}", body, form)
