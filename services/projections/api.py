"""Queries on the read models."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from shared import eventstore
from shared.http import ApiError

from . import repository

router = APIRouter(tags=["register"])


class ComplaintRow(BaseModel):
    id: UUID
    number: str
    site: str
    location: str
    category: str
    urgency: str
    channel: str
    status: str
    receiving_officer: str
    department: str
    description: str
    received_at: datetime
    updated_at: datetime
    version: int


class Page(BaseModel):
    items: list[ComplaintRow]
    total: int
    limit: int
    offset: int


class HistoryEntry(BaseModel):
    position: int | None
    stream_type: str
    version: int
    event_type: str
    event_id: UUID
    occurred_at: datetime
    actor: str
    correlation_id: UUID
    causation_id: UUID | None
    data: dict[str, Any]


class ComplaintDetail(ComplaintRow):
    complainant_name: str
    history: list[HistoryEntry]


@router.get("/complaints", response_model=Page, summary="The register / 投訴登記表")
async def list_complaints(
    request: Request,
    site: Annotated[str | None, Query(max_length=12)] = None,
    status: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page:
    pool = request.app.state.runtime.pool
    items, total = await repository.list_complaints(
        pool, site=site.upper() if site else None, status=status, limit=limit, offset=offset
    )
    return Page(items=[ComplaintRow(**i) for i in items], total=total, limit=limit, offset=offset)


@router.get(
    "/complaints/{complaint_id}",
    response_model=ComplaintDetail,
    summary="A complaint with its event history / 投訴詳情與歷程",
    responses={404: {"description": "Unknown complaint / 查無此投訴"}},
)
async def get_complaint(complaint_id: UUID, request: Request) -> ComplaintDetail:
    pool = request.app.state.runtime.pool
    row = await repository.get_complaint(pool, complaint_id)
    if row is None:
        raise ApiError(
            404,
            "complaint_not_found",
            f"No complaint {complaint_id} in the register",
            f"登記表中查無投訴 {complaint_id}",
        )
    history = await eventstore.read_related(
        pool, complaint_id, ("complaint", "sla", "notification")
    )
    return ComplaintDetail(**row, history=[HistoryEntry(**h.model_dump()) for h in history])
