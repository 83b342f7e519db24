"""The supervisor's problem records in the console (問題紀錄): the list, one opened from a
hotspot or repeat complaints (prefilled) or by hand, and a record's page whose forms send its
commands to intake: the root cause, improvements (an inspection with its schedule, a
replacement, a training), done, confirm or reopen."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from complaint_desk.shared import consistency
from complaint_desk.shared.auth import Permission, Principal
from complaint_desk.shared.auth.http import require
from complaint_desk.shared.http import ApiError
from complaint_desk.shared.runtime.deps import PoolDep, RuntimeDep, running

from .. import learning_api
from ..settings import SettingsDep
from . import intake
from .csrf import SameOriginForm
from .pages import Viewer, forbidden_site, site_filter
from .render import lang_of, render, texts
from .signin import credential

router = APIRouter(include_in_schema=False)
Supervisor = Annotated[Principal, Depends(require(Permission.REVIEW))]
COMMANDS = {"cause": "cause", "actions": "actions", "complaints": "complaints",
            "confirm": "confirm", "reopen": "reopen"}  # fmt: skip


def _given(form: dict[str, str], *names: str) -> dict[str, Any]:
    return {n: form[n].strip() for n in names if form.get(n, "").strip()}


def _ids(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


def opening_body(form: dict[str, str]) -> dict[str, Any]:
    body = _given(form, "site", "title", "origin", "description", "asset", "place", "watch_days")
    body["complaints"] = _ids(form.get("complaints", ""))
    return body


def action_body(form: dict[str, str]) -> dict[str, Any]:
    body = _given(form, "kind", "description", "owner", "due_on", "officer", "team")
    if body.get("kind") == "inspection":
        plan = _given(form, "every_days", "starts_on", "grace_hours")
        if form.get("weekdays", "").strip():
            plan["weekdays"] = _ids(form["weekdays"])
        body["inspection"] = plan
    return body


def command_body(command: str, form: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """The path after ``/problems/{id}/`` and the body a form's command sends."""
    if command == "actions":
        return "actions", action_body(form)
    if command == "complete":
        return f"actions/{form.get('action_id', '')}/complete", _given(form, "note")
    if command == "complaints":
        return "complaints", {"complaints": _ids(form.get("complaints", ""))}
    return command, _given(form, "analysis", "note", "reason")


@router.get("/console/problems", response_class=HTMLResponse)
async def problems_page(
    request: Request, pool: PoolDep, principal: Viewer,
    site: Annotated[str | None, Query(max_length=12)] = None,
    stage: Annotated[str | None, Query(max_length=12)] = None,
) -> Response:  # fmt: skip
    """The records, and the form to open one: prefilled from a hotspot's link (``asset``,
    ``place``, ``complaints``, ``title``, ``origin``)."""
    site = site_filter(site)
    if site and not principal.sees(site):
        return forbidden_site(request, site)
    chosen = stage if stage in ("open", "acting", "watching", "verified", "closed") else None
    rows = await learning_api.problems(pool, principal, site, chosen)  # type: ignore[arg-type]
    prefill = {k: v for k, v in request.query_params.items() if k in (
        "site", "title", "origin", "asset", "place", "complaints")}  # fmt: skip
    return render(request, "problems.html", nav="problems", problems=rows, site=site or "",
                  stage=chosen or "", form=prefill, error=None)  # fmt: skip


@router.post("/console/problems", response_class=HTMLResponse, dependencies=[SameOriginForm])
async def open_problem(request: Request, settings: SettingsDep, _: Supervisor) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    t = texts(request)
    try:
        answer = await intake.send(
            settings.intake_url, "/problems", opening_body(form), headers=credential(request)
        )
    except intake.IntakeUnavailable:
        answer = None
    if answer is None or not answer.ok:
        error = t("error.unavailable") if answer is None else answer.message(lang_of(request))
        status = 503 if answer is None else answer.status
        return render(request, "problems.html", status, nav="problems", problems=[], site="",
                      stage="", form=form, error=error)  # fmt: skip
    return _after(answer, "open")


def _after(answer: intake.IntakeAnswer, done: str) -> Response:
    query = urlencode({"done": done, "after": int(answer.body["position"])})
    return RedirectResponse(f"/console/problems/{answer.body['id']}?{query}", status_code=303)


@router.get("/console/problems/{problem_id}", response_class=HTMLResponse)
async def problem_page(
    request: Request, runtime: RuntimeDep, principal: Viewer, problem_id: UUID,
    done: Annotated[str | None, Query(max_length=20)] = None,
    after: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> Response:  # fmt: skip
    # The page as it stands past the wait: it says nothing it has not seen.
    with contextlib.suppress(consistency.NotYetApplied, consistency.UnknownPosition):
        if after is not None:
            await consistency.wait_until_applied(
                runtime.pool, runtime.consumers, after,
                within=runtime.settings.read_after_timeout_seconds,
            )  # fmt: skip
    return await _record(request, principal, problem_id, done=done)


async def _record(
    request: Request, principal: Principal, problem_id: UUID, *, done: str | None = None,
    error: str | None = None, status_code: int = 200, form: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    pool = running(request).pool
    try:
        record = await learning_api.problem(problem_id, pool, principal)
    except ApiError:  # not there, or not a site of theirs
        return render(request, "not_found.html", 404)
    for c in record.linked:
        c["received_at"] = datetime.fromisoformat(str(c["received_at"]))
    return render(
        request, "problem.html", status_code, nav="problems", p=record,
        recurrences={str(r) for r in record.recurrences},
        done=done if done in (*COMMANDS, "open", "complete") else None, error=error,
        form=form or {}, may_act=principal.can(Permission.REVIEW),
    )  # fmt: skip


@router.post(
    "/console/problems/{problem_id}/{command}", response_class=HTMLResponse,
    dependencies=[SameOriginForm],
)  # fmt: skip
async def act(
    request: Request, settings: SettingsDep, principal: Supervisor, problem_id: UUID, command: str
) -> Response:
    if command not in (*COMMANDS, "complete"):
        return render(request, "not_found.html", 404)
    form = {k: str(v) for k, v in (await request.form()).items()}
    path, body = command_body(command, form)
    t = texts(request)
    try:
        answer = await intake.send(
            settings.intake_url, f"/problems/{problem_id}/{path}", body,
            headers=credential(request),
        )  # fmt: skip
    except intake.IntakeUnavailable:
        return await _record(request, principal, problem_id, error=t("error.unavailable"),
                             status_code=503, form=form)  # fmt: skip
    if not answer.ok:
        reason = answer.message(lang_of(request))
        return await _record(request, principal, problem_id, error=reason,
                             status_code=answer.status, form=form)  # fmt: skip
    return _after(answer, command)
