"""Intake's HTTP commands."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Request, Response
from pydantic import BaseModel

from .commands import ReceiveComplaint
from .handlers import receive_complaint

router = APIRouter(tags=["complaints"])


class ComplaintAccepted(BaseModel):
    id: UUID
    number: str
    status: str
    version: int
    received_at: datetime | None


@router.post(
    "/complaints",
    status_code=201,
    response_model=ComplaintAccepted,
    summary="Register a complaint / 登記投訴",
    responses={
        422: {"description": "A field is invalid / 欄位有誤"},
        413: {"description": "Too large"},
    },
)
async def post_complaint(
    body: ReceiveComplaint,
    request: Request,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    x_actor: Annotated[str | None, Header(max_length=200)] = None,
) -> ComplaintAccepted:
    """Answers 201 once ComplaintReceived is durable. Retrying with the same
    ``Idempotency-Key`` returns the complaint the first call created."""
    runtime = request.app.state.runtime
    receipt = await receive_complaint(
        runtime.uow,
        body,
        actor=x_actor or body.receiving_officer,
        number_timezone=runtime.settings.number_timezone,
        idempotency_key=idempotency_key,
    )
    if receipt.replayed:
        response.status_code = 200
    response.headers["Location"] = f"/complaints/{receipt.complaint_id}"
    return ComplaintAccepted(
        id=receipt.complaint_id,
        number=receipt.number,
        status="received",
        version=receipt.version,
        received_at=receipt.received_at,
    )
