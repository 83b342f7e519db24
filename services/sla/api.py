from datetime import datetime
from uuid import UUID

from fastapi import APIRouter, Request
from pydantic import BaseModel

from shared.http import ApiError

from . import repository

router = APIRouter(tags=["sla"])


class ComplaintSla(BaseModel):
    complaint_id: UUID
    site: str
    level: str
    received_at: datetime
    response_due_at: datetime


@router.get("/complaints/{complaint_id}/sla", response_model=ComplaintSla, summary="SLA / 時效")
async def get_sla(complaint_id: UUID, request: Request) -> ComplaintSla:
    row = await repository.get_complaint(request.app.state.runtime.pool, complaint_id)
    if row is None:
        raise ApiError(
            404,
            "complaint_not_found",
            f"No SLA for {complaint_id}",
            f"查無 {complaint_id} 的時效資料",
        )
    return ComplaintSla(**row)
