"""Intake's HTTP commands: POST /complaints and one endpoint per lifecycle step.

Over 300 lines: the OpenAPI contract of every command (models, summaries, documented errors),
which a client reads in one place."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Response
from pydantic import BaseModel, Field

from complaint_desk.contract.events import utcnow
from complaint_desk.shared.auth import Permission, Principal
from complaint_desk.shared.auth.http import check_site, current_principal, forbidden, require
from complaint_desk.shared.http import ApiError
from complaint_desk.shared.runtime.deps import KeyRingDep, UnitOfWorkDep
from complaint_desk.shared.uow import UnitOfWork

from . import commands as c
from . import merging
from .documentation import DESCRIPTIONS, SUMMARIES
from .refusals import Refusal, RefusalKind
from .reports import ReportSetup
from .service import (
    COMMANDS,
    Context,
    Outcome,
    Provenance,
    erase_complainant,
    receive_complaint,
    run_command,
)
from .settings import IntakeSettings, SettingsDep

router = APIRouter(tags=["complaints"])
T = TypeVar("T")

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid token or session / 未登入或權杖無效"},
    403: {"description": "Not allowed for your role or site / 角色或院區無此權限"},
    404: {"description": "Unknown complaint or task / 查無此投訴或任務"},
    409: {"description": "Illegal in the current state, or a stale version / 狀態不允許或版本過期"},
    422: {"description": "A field is invalid / 欄位有誤"},
}


POSITION = Field(
    description=(
        "The log position of the last event this command wrote: a consistency token. Pass it "
        "to the projections service as `?after=` to read your own write. "
        "/ 本次寫入的日誌位置：查詢時帶 `?after=` 即可讀到剛才的變更"
    ),
    ge=0,
)


class ComplaintAccepted(BaseModel):
    id: UUID
    number: str
    status: str
    version: int
    events: list[str]
    received_at: datetime | None
    position: int = POSITION


class CommandResult(BaseModel):
    id: UUID
    number: str | None
    status: str
    version: int
    events: list[str]
    created_id: UUID | None = None
    position: int = POSITION


ACCESS_ERRORS: dict[int | str, dict[str, Any]] = {k: ERRORS[k] for k in (401, 403)}
Caller = Annotated[Principal, Depends(current_principal)]


def _authorize(principal: Principal, command: str) -> None:
    if not principal.may_command(command):
        raise forbidden(
            f"{principal.role} may not {command}", f"您的角色（{principal.role}）不可執行 {command}"
        )


def acting_as(principal: Principal, claimed: str | None) -> str:
    """Who a command is recorded as: the principal, unless it is a system that relays a
    named person's action."""
    if not claimed or claimed == principal.name:
        return principal.name
    if principal.may_delegate():
        return claimed
    raise forbidden(
        "actor is set from your sign-in; you may not act as someone else",
        "執行人由登入身分決定，不可代他人操作",
    )


def _receiving_officer(principal: Principal, body: c.ReceiveComplaint) -> str:
    """Who received the complaint: the caller, unless a system (or an organisation admin)
    records it for a named officer. Otherwise anyone could credit complaints to someone else
    and skew the officers' indicators."""
    named = body.receiving_officer
    if named is None or named == principal.name:
        return principal.name
    if principal.may_delegate():
        return named
    raise forbidden(
        "receiving_officer is you: you may not record a complaint for someone else",
        "受理人為登入者本人，不可代他人登記",
    )


def _provenance(correlation: str | None, principal: Principal, actor: str) -> Provenance:
    """The command's conversation, and who relayed it when the actor is someone else."""
    relayed_by = principal.name if actor != principal.name else None
    try:
        if correlation:
            return Provenance(correlation_id=UUID(correlation), relayed_by=relayed_by)
        return Provenance(relayed_by=relayed_by)
    except ValueError:
        raise ApiError(
            422, "validation_error", "X-Correlation-Id must be a UUID", "X-Correlation-Id 須為 UUID"
        ) from None


C = TypeVar("C", bound=c.Command)


def _expected_version(if_match: str | None, body: C) -> C:
    if if_match is None:
        return body
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise ApiError(
            422, "validation_error", "If-Match must be a version number", "If-Match 須為版本號"
        )
    if body.expected_version is not None and body.expected_version != int(tag):
        raise ApiError(
            422,
            "validation_error",
            "If-Match and expected_version disagree",
            "If-Match 與 expected_version 不一致",
        )
    return body.model_copy(update={"expected_version": int(tag)})


# How each kind of refusal is answered over HTTP.
HTTP_STATUS = {
    RefusalKind.NOT_FOUND: 404,
    RefusalKind.CONFLICT: 409,
    RefusalKind.FORBIDDEN: 403,
    RefusalKind.INVALID: 422,
    RefusalKind.TOO_LARGE: 413,
    RefusalKind.UNSUPPORTED: 415,
    RefusalKind.UNAVAILABLE: 503,
}


def _prepared(
    name: str, principal: Principal, body: C, if_match: str | None, correlation: str | None
) -> tuple[C, Provenance]:
    """The command as the caller may send it: allowed for their role, conditional on the
    version they saw (If-Match), recorded as them (or the person they relay)."""
    _authorize(principal, name)
    command = _expected_version(if_match, body)
    command = command.model_copy(update={"actor": acting_as(principal, command.actor)})
    return command, _provenance(correlation, principal, command.actor)


async def _translate(call: Awaitable[T]) -> T:
    """Domain refusals become clear 4xx answers; nothing the client sends makes a 500."""
    try:
        return await call
    except Refusal as exc:
        status = HTTP_STATUS[exc.kind]
        raise ApiError(status, exc.code, exc.message, exc.message_zh, **exc.details) from None


def _result(outcome: Outcome, response: Response) -> CommandResult:
    complaint = outcome.complaint
    response.headers["ETag"] = f'"{complaint.version}"'
    return CommandResult(
        id=complaint.id,
        number=complaint.number,
        status=complaint.shown.value,
        version=complaint.version,
        events=outcome.events,
        created_id=outcome.created_id,
        position=outcome.position,
    )


@router.post(
    "/complaints",
    status_code=201,
    response_model=ComplaintAccepted,
    summary="Register a complaint / 登記投訴",
    responses={
        **ACCESS_ERRORS,
        409: {"description": "Idempotency-Key reused for another request / 冪等金鑰重複使用"},
        422: ERRORS[422],
        413: {"description": "Too large / 內容過大"},
    },
)
async def post_complaint(
    body: c.ReceiveComplaint,
    settings: SettingsDep,
    uow: UnitOfWorkDep,
    keyring: KeyRingDep,
    response: Response,
    principal: Caller,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    x_actor: Annotated[str | None, Header(max_length=200)] = None,
    x_correlation_id: Annotated[str | None, Header(max_length=64)] = None,
) -> ComplaintAccepted:
    """Answers 201 once ComplaintReceived is durable (with SafetyEscalated for a safety problem
    or major fault, and RepeatComplaintDetected when earlier complaints look alike). Retrying
    with the same ``Idempotency-Key`` and body returns the complaint the first call created
    (keys are each caller's own); the same key with another body is a 409."""
    _authorize(principal, "receive")
    check_site(principal, body.site)
    body = body.model_copy(update={"receiving_officer": _receiving_officer(principal, body)})
    actor = acting_as(
        principal, x_actor or (body.receiving_officer if principal.may_delegate() else None)
    )
    receipt = await _translate(
        receive_complaint(
            uow,
            body,
            actor=actor,
            number_timezone=settings.number_timezone,
            contact_key_secret=settings.contact_key_secret,
            keyring=keyring,
            repeat_window_days=settings.repeat_window_days,
            idempotency_key=idempotency_key,
            caller=str(principal.id),
            provenance=_provenance(x_correlation_id, principal, actor),
        )
    )
    if receipt.replayed:
        response.status_code = 200
    response.headers["Location"] = f"/complaints/{receipt.complaint_id}"
    response.headers["ETag"] = f'"{receipt.version}"'
    return ComplaintAccepted(
        id=receipt.complaint_id,
        number=receipt.number,
        status=receipt.status,
        version=receipt.version,
        events=receipt.events,
        received_at=receipt.received_at,
        position=receipt.position,
    )


class Erased(BaseModel):
    complaints: list[UUID]
    position: int = POSITION


@router.post(
    "/complaints/{complaint_id}/erase-personal-data",
    response_model=Erased,
    summary="Erase the complainant's personal data / 抹除投訴人個資",
    responses={
        **ACCESS_ERRORS,
        404: ERRORS[404],
        409: {"description": "Recorded before personal data was sealed / 此投訴的個資未加密"},
    },
)
async def erase_personal_data(
    complaint_id: UUID,
    uow: UnitOfWorkDep,
    keyring: KeyRingDep,
    principal: Annotated[Principal, Depends(require(Permission.ERASE))],
) -> Erased:
    """Deletes the key of this complaint's complainant (crypto-shredding): their name, phone
    and email read as erased in every complaint of theirs, in read models, exports and
    replays; the rest of each complaint's history stays. Records PersonalDataErased on each.
    Cannot be undone."""
    theirs, position = await _translate(
        erase_complainant(
            uow,
            keyring,
            complaint_id,
            actor=principal.name,
            sites=principal.sites,
        )
    )
    return Erased(complaints=theirs, position=position)


def _endpoint(name: str, model: type[c.Command]) -> Callable[..., Awaitable[CommandResult]]:
    async def endpoint(
        complaint_id: UUID,
        body: model,  # type: ignore[valid-type]
        uow: UnitOfWorkDep,
        settings: SettingsDep,
        response: Response,
        principal: Caller,
        if_match: Annotated[str | None, Header(max_length=40)] = None,
        x_correlation_id: Annotated[str | None, Header(max_length=64)] = None,
    ) -> CommandResult:
        return await _run(
            name,
            complaint_id,
            None,
            body,
            uow,
            settings,
            response,
            principal,
            if_match,
            x_correlation_id,
        )

    return endpoint


def _task_endpoint(name: str, model: type[c.Command]) -> Callable[..., Awaitable[CommandResult]]:
    async def endpoint(
        complaint_id: UUID,
        task_id: UUID,
        body: model,  # type: ignore[valid-type]
        uow: UnitOfWorkDep,
        settings: SettingsDep,
        response: Response,
        principal: Caller,
        if_match: Annotated[str | None, Header(max_length=40)] = None,
        x_correlation_id: Annotated[str | None, Header(max_length=64)] = None,
    ) -> CommandResult:
        return await _run(
            name,
            complaint_id,
            task_id,
            body,
            uow,
            settings,
            response,
            principal,
            if_match,
            x_correlation_id,
        )

    return endpoint


async def _run(
    name: str,
    complaint_id: UUID,
    task_id: UUID | None,
    body: c.Command,
    uow: UnitOfWork,
    settings: IntakeSettings,
    response: Response,
    principal: Principal,
    if_match: str | None,
    correlation: str | None,
) -> CommandResult:
    ctx = Context(
        now=utcnow(),
        reopen_window_days=settings.reopen_window_days,
        task_id=task_id,
        sites=principal.sites,
        supervisor=principal.can(Permission.REVIEW),
        console_base_url=settings.console_base_url,
        report_setup=ReportSetup(settings.report_font, settings.number_timezone),
    )
    command, provenance = _prepared(name, principal, body, if_match, correlation)
    outcome = await _translate(run_command(uow, name, complaint_id, command, ctx, provenance))
    return _result(outcome, response)


for _name, (_model, _) in COMMANDS.items():
    if _name.startswith("tasks/"):
        path = f"/complaints/{{complaint_id}}/tasks/{{task_id}}/{_name.removeprefix('tasks/')}"
        handler = _task_endpoint(_name, _model)
    else:
        path = f"/complaints/{{complaint_id}}/{_name}"
        handler = _endpoint(_name, _model)
    router.add_api_route(
        path,
        handler,
        methods=["POST"],
        response_model=CommandResult,
        summary=SUMMARIES[_name],
        description=DESCRIPTIONS[_name],
        responses=ERRORS,
        name=f"complaint_{_name.replace('/', '_').replace('-', '_')}",
    )


@router.post(
    "/complaints/{complaint_id}/merge",
    response_model=CommandResult,
    summary="Merge into a complaint about the same problem / 併案",
    responses=ERRORS,
)
async def merge_complaint(
    complaint_id: UUID,
    body: c.Merge,
    uow: UnitOfWorkDep,
    response: Response,
    principal: Caller,
    if_match: Annotated[str | None, Header(max_length=40)] = None,
    x_correlation_id: Annotated[str | None, Header(max_length=64)] = None,
) -> CommandResult:
    """Records ComplaintMerged here and CoComplainantAdded on ``into``, in one transaction:
    this complaint's complainant then gets that one's updates and callback; this one's clocks
    pause and it counts once, in ``into``. Both must be in hand at the same site."""
    command, provenance = _prepared("merge", principal, body, if_match, x_correlation_id)
    outcome = await _translate(
        merging.merge(uow, complaint_id, command, sites=principal.sites, provenance=provenance)
    )
    return _result(outcome, response)


@router.post(
    "/complaints/{complaint_id}/merge/undo",
    response_model=CommandResult,
    summary="Undo a merge / 取消併案",
    responses=ERRORS,
)
async def undo_merge(
    complaint_id: UUID,
    body: c.UndoMerge,
    uow: UnitOfWorkDep,
    response: Response,
    principal: Caller,
    if_match: Annotated[str | None, Header(max_length=40)] = None,
    x_correlation_id: Annotated[str | None, Header(max_length=64)] = None,
) -> CommandResult:
    """Records MergeUndone here (back at the stage it had, its clocks running again) and
    CoComplainantRemoved on the complaint it had joined."""
    command, provenance = _prepared("merge/undo", principal, body, if_match, x_correlation_id)
    outcome = await _translate(
        merging.undo(uow, complaint_id, command, sites=principal.sites, provenance=provenance)
    )
    return _result(outcome, response)
