"""Queries on the read models."""

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from complaint_desk.contract.events import Status, utcnow
from complaint_desk.contract.events.complaints import Category, Severity
from complaint_desk.contract.process import Policy
from complaint_desk.shared.auth import Permission, Principal
from complaint_desk.shared.auth.http import require, scope
from complaint_desk.shared.consistency import ReadAfter
from complaint_desk.shared.http import ApiError
from complaint_desk.shared.runtime.deps import PoolDep
from complaint_desk.shared.spreadsheet import write_csv

from . import repository
from .domain import commands_allowed
from .personal import shown, shown_history
from .settings import SettingsDep

router = APIRouter(tags=["register"], dependencies=[ReadAfter])
SlaState = Literal["none", "on_track", "paused", "warning", "breached", "met"]
ClockCalendar = Literal["24x7", "business"]
CALENDAR_DOC = "計時方式 / what measures the clock: every hour, or the site's working hours"
Reader = Annotated[Principal, Depends(require(Permission.READ))]


class ComplaintRow(BaseModel):
    id: UUID
    number: str
    site: str
    location: str
    category: str
    urgency: str
    channel: str
    status: str = Field(description="The stage, or `waiting` while the complaint waits")
    stage: str = Field(description="The guide's step the complaint is at (kept while waiting)")
    waiting_reason: str | None = None
    receiving_officer: str
    owner: str = Field(description="負責人 / the officer handling it (reminders go to them)")
    department: str
    description: str
    received_at: datetime
    updated_at: datetime
    version: int
    severity: str | None = None
    severity_provisional: bool = Field(
        False, description="暫定: derived from category and urgency until an officer classifies"
    )
    responsibility: str | None = None
    third_party: str | None = None
    referred_to: str | None = Field(None, description="轉介至 / where a referred complaint went")
    rating: int | None = Field(None, description="滿意度 1–5 / the complainant's rating")
    reasons: list[str] = Field(default_factory=list, description="不滿意原因 / what was not right")
    safety_escalated: bool = False
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    cycle: int = 1
    sla_state: str = "none"
    sla_breached_ever: bool = False
    response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    review_due_at: datetime | None = Field(None, description="復核期限 / the review's deadline")
    next_due_at: datetime | None = Field(
        None,
        description="下一個期限 / when its next clock falls due: the response until the "
        "complainant is contacted, else the resolution (or the review)",
    )
    response_calendar: ClockCalendar | None = Field(None, description=CALENDAR_DOC)
    resolution_calendar: ClockCalendar | None = Field(None, description=CALENDAR_DOC)
    review_calendar: ClockCalendar | None = Field(None, description=CALENDAR_DOC)
    asset: str | None = Field(None, description="設備 / the equipment it is about, when known")
    merged_into: UUID | None = Field(None, description="併入的投訴 / the complaint it joined")
    merged_into_number: str | None = None
    co_complainants: int = Field(0, description="共同投訴人數 / others who reported the same")
    place: str | None = Field(None, description="登記的地點代碼 / the registered place")
    place_name: str | None = None
    asset_type: str | None = Field(None, description="設備類型 / the equipment's type")
    asset_name: str | None = None
    model: str | None = None


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
    relayed_by: str | None = Field(
        None, description="轉達者 / the system that relayed the actor's action, if any"
    )
    correlation_id: UUID
    causation_id: UUID | None
    data: dict[str, Any]


class ComplaintDetail(ComplaintRow):
    complainant_name: str
    history: list[HistoryEntry]
    allowed_commands: list[str] = Field(
        description="可執行的動作 / the commands that apply to the complaint as it stands and "
        "that the caller may send (intake's command names, e.g. `resolution/accept`), from the "
        "same status machine intake checks them with"
    )


class Filters(BaseModel):
    """Which complaints, in which order."""

    site: str | None = Field(None, max_length=12)
    status: Status | None = None
    severity: Severity | None = None
    category: Category | None = None
    # One character is a word in Chinese (燈, 水): a search of one is a search.
    q: str | None = Field(None, min_length=1, max_length=100, description="搜尋 / search text")
    owner: str | None = Field(None, max_length=200, description="負責人 / the officer handling it")
    sla_state: SlaState | None = Field(None, description="時效狀態 / the SLA state")
    not_contacted: bool = Field(
        False, description="尚未聯繫 / open complaints whose complainant nobody has contacted yet"
    )
    breaching_within: int | None = Field(
        None,
        ge=1,
        le=7 * 24 * 60,
        description="即將逾時 / those whose next clock falls due within this many minutes",
    )
    sort: Literal[
        "-received_at", "received_at", "number", "-number", "severity", "status", "due"
    ] = Field("-received_at", description="`due`: soonest to breach first")

    def query(self, principal: Principal) -> dict[str, Any]:
        return {
            "sites": scope(principal, self.site),
            "status": self.status.value if self.status else None,
            "severity": self.severity.value if self.severity else None,
            "category": self.category.value if self.category else None,
            "q": self.q,
            "owner": self.owner,
            "sla_state": self.sla_state,
            "not_contacted": self.not_contacted,
            "due_before": utcnow() + timedelta(minutes=self.breaching_within)
            if self.breaching_within
            else None,
            "sort": self.sort,
        }


@router.get("/complaints", response_model=Page, summary="The register / 投訴登記表")
async def list_complaints(
    pool: PoolDep,
    principal: Reader,
    filters: Annotated[Filters, Query()],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page:
    """Filter by site, status, severity, category, owner, SLA state; those not contacted yet
    or breaching within some minutes; search the number, location and description (Chinese
    or English, any part of a word, one character too); sort (by time to breach too); page."""
    items, total = await repository.list_complaints(
        pool, **filters.query(principal), limit=limit, offset=offset
    )
    return Page(items=[ComplaintRow(**i) for i in items], total=total, limit=limit, offset=offset)


class Duplicate(BaseModel):
    id: UUID
    number: str
    location: str
    asset: str | None = None
    category: str
    stage: str
    received_at: datetime
    co_complainants: int


@router.get(
    "/complaints/duplicates",
    response_model=list[Duplicate],
    summary="Open complaints about the same problem / 相同問題處理中",
)
async def duplicates(
    pool: PoolDep,
    principal: Reader,
    site: Annotated[str, Query(min_length=2, max_length=12)],
    location: Annotated[str, Query(min_length=1, max_length=200)],
    category: Category,
    asset: Annotated[str | None, Query(max_length=200)] = None,
    exclude: UUID | None = None,
) -> list[Duplicate]:
    """Complaints still in hand at the same site and place (compared without case or
    spaces), or about the same equipment, in the same category: what a new complaint may
    duplicate. The officer may merge the new one into one of them (intake's ``merge``)."""
    scope(principal, site)  # 403 for a site not the caller's
    rows = await repository.open_duplicates(
        pool, site=site.upper(), location=location, category=category.value, asset=asset,
        exclude=exclude,
    )  # fmt: skip
    return [Duplicate(**r) for r in rows]


CSV_COLUMNS = [
    ("number", "投訴編號 Number"), ("received_at", "受理時間 Received"),
    ("receiving_officer", "受理人 Officer"), ("owner", "負責人 Owner"), ("site", "院區 Site"),
    ("location", "地點 Location"),
    ("category", "類別 Category"), ("severity", "等級 Severity"), ("status", "處理狀態 Status"),
    ("responsibility", "責任歸屬 Responsibility"), ("sla_state", "時效 SLA"),
    ("description", "投訴內容 Content"),
]  # fmt: skip
CSV_LIMIT = 10_000


def _csv_cell(item: dict[str, Any], key: str) -> Any:
    if key == "severity" and item["severity_provisional"]:
        return f"{item['severity']}（暫定 provisional）"
    return item[key]


@router.get(
    "/complaints.csv",
    summary="Export the register / 匯出登記表",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def export_complaints(
    pool: PoolDep, principal: Reader, filters: Annotated[Filters, Query()]
) -> Response:
    """The register as CSV (UTF-8 with a BOM, so spreadsheets read the Chinese), at most
    10,000 rows, with the same filters as the register. No cell is a live formula: text that
    a spreadsheet would run (starting with = + - @, tab or CR) is prefixed with '."""
    items, _ = await repository.list_complaints(pool, **filters.query(principal), limit=CSV_LIMIT)
    text = write_csv(
        [label for _, label in CSV_COLUMNS],
        ([_csv_cell(item, key) for key, _ in CSV_COLUMNS] for item in items),
    )
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="complaints.csv"'},
    )


@router.get(
    "/complaints/{complaint_id}",
    response_model=ComplaintDetail,
    summary="A complaint with its event history / 投訴詳情與歷程",
    responses={404: {"description": "Unknown complaint / 查無此投訴"}},
)
async def get_complaint(
    complaint_id: UUID, request: Request, pool: PoolDep, principal: Reader, settings: SettingsDep
) -> ComplaintDetail:
    """One complaint as the register has it, with its timeline (every event, who and when),
    its SLA state and its complainant (in clear only with the personal-data permission).
    ``after``: wait until the read models reflect that log position."""
    row = await repository.get_complaint(pool, complaint_id)
    if row is None or not principal.sees(row["site"]):
        raise ApiError(
            404,
            "complaint_not_found",
            f"No complaint {complaint_id} in the register",
            f"登記表中查無投訴 {complaint_id}",
        )
    timeline = await repository.timeline(pool, complaint_id)
    policy = Policy(now=utcnow(), reopen_window_days=settings.reopen_window_days)
    allowed = commands_allowed(timeline, policy, principal.may_command)
    history = await shown_history(request, principal, timeline)
    [name] = await shown(request, principal, [row["complainant_name"]])
    return ComplaintDetail(
        **(row | {"complainant_name": name}),
        history=[HistoryEntry(**h) for h in history],
        allowed_commands=allowed,
    )
