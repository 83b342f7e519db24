"""Inspection and problem deadlines against the real database, with the time passed in: each
visit's work order once per due time however many replicas fire at once, the next visit armed,
a visit missed once unless reported done, an ended schedule silent, a watch ended effective
unless the problem recurred meanwhile."""

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from complaint_desk.contract.events.inspections import (
    InspectionCompleted,
    InspectionScheduled,
    InspectionScheduleEnded,
)
from complaint_desk.contract.events.problems import (
    ComplaintsLinkedToProblem,
    ImprovementCompleted,
    ImprovementKind,
    ImprovementPlanned,
    InspectionPlan,
    ProblemOpened,
    ProblemOrigin,
    ProblemOutcome,
    ProblemVerified,
    VerificationStarted,
)
from complaint_desk.services.sla.policy import CalendarConfig, SlaDefaults
from complaint_desk.services.sla.projectors import Upkeep
from complaint_desk.services.sla.upkeep import fire_deadlines
from complaint_desk.shared import eventstore
from complaint_desk.shared.consumer import EventConsumer
from complaint_desk.shared.uow import UnitOfWork
from conftest import record

# Around the clock, so that each visit falls due at midnight, Taipei.
ALL_DAY = {d: ["00:00-00:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
TAIPEI = ZoneInfo("Asia/Taipei")
DEFAULTS = SlaDefaults(calendar=CalendarConfig(hours=ALL_DAY, holiday_country=None))  # type: ignore[arg-type]


@pytest.fixture
def uow(own_pool: asyncpg.Pool) -> UnitOfWork:
    return UnitOfWork(own_pool)


@pytest.fixture
def upkeep(own_pool: asyncpg.Pool) -> EventConsumer:
    return EventConsumer(own_pool, Upkeep(DEFAULTS))


async def types_of(pool: asyncpg.Pool, event_type: str) -> list[dict]:  # type: ignore[type-arg]
    rows = await pool.fetch(
        "SELECT stream_id, data FROM eventstore.events WHERE event_type = $1 ORDER BY position",
        event_type,
    )
    return [{"stream_id": r["stream_id"], **r["data"]} for r in rows]


async def schedule(pool: asyncpg.Pool, upkeep: EventConsumer, starts_on: date, grace: int) -> UUID:
    schedule_id = uuid4()
    plan = InspectionPlan(every_days=1, starts_on=starts_on, grace_hours=grace)
    await record(pool, upkeep, schedule_id, InspectionScheduled(
        site="UK", plan=plan, description="濾心", location="3F 飲水機", asset="WD-1",
    ), site="UK")  # fmt: skip
    return schedule_id


async def fire_everywhere(uow: UnitOfWork, now: datetime, replicas: int = 4) -> None:
    """Several replicas firing at once, until none finds anything due."""
    while sum(await asyncio.gather(*(fire_deadlines(uow, now, DEFAULTS, 3)
                                     for _ in range(replicas)))):  # fmt: skip
        pass


async def test_each_visit_is_ordered_once_and_the_next_one_armed(
    own_pool: asyncpg.Pool, uow: UnitOfWork, upkeep: EventConsumer
) -> None:
    today = datetime.now(TAIPEI).date()
    schedule_id = await schedule(own_pool, upkeep, today - timedelta(days=3), grace=1)
    now = datetime.combine(today, time(0, 30), tzinfo=TAIPEI)  # today's visit due, not missed
    await fire_everywhere(uow, now)
    orders = await types_of(own_pool, "InspectionWorkOrderRequested")
    # Backdated three days: the visits of those days and today's, each once.
    assert len(orders) == len({o["task_id"] for o in orders}) == 4
    assert all(UUID(o["schedule_id"]) == schedule_id for o in orders)
    done = orders[-1]
    await record(own_pool, upkeep, UUID(done["task_id"]),
                 InspectionCompleted(schedule_id=schedule_id), site="UK")  # fmt: skip
    later = now + timedelta(hours=2)  # past today's grace, before tomorrow's visit
    await fire_everywhere(uow, later)
    missed = await types_of(own_pool, "InspectionMissed")
    assert {m["stream_id"] for m in missed} == {UUID(o["task_id"]) for o in orders[:-1]}
    assert len(await types_of(own_pool, "InspectionWorkOrderRequested")) == len(orders)
    tomorrow = now + timedelta(days=1, hours=1)
    await fire_everywhere(uow, tomorrow)
    assert len(await types_of(own_pool, "InspectionWorkOrderRequested")) == len(orders) + 1


async def test_an_ended_schedule_sends_nothing_more(
    own_pool: asyncpg.Pool, uow: UnitOfWork, upkeep: EventConsumer
) -> None:
    schedule_id = await schedule(own_pool, upkeep, datetime.now(UTC).date() + timedelta(days=2), 8)
    async with own_pool.acquire() as conn:
        version = await eventstore.stream_version(conn, "inspection", schedule_id)
    assert version == 1
    await record(own_pool, upkeep, schedule_id, InspectionScheduleEnded(reason="停用"), site="UK")
    await fire_everywhere(uow, datetime.now(UTC) + timedelta(days=10))
    assert await types_of(own_pool, "InspectionWorkOrderRequested") == []


async def problem_watched(pool: asyncpg.Pool, upkeep: EventConsumer, until: datetime) -> UUID:
    problem_id, action = uuid4(), uuid4()
    await record(
        pool, upkeep, problem_id,
        ProblemOpened(site="UK", title="漏水", origin=ProblemOrigin.MANUAL, asset="WD-1"),
        ImprovementPlanned(action_id=action, kind=ImprovementKind.OTHER, description="x",
                           owner="y", due_on=until.date()),
        ImprovementCompleted(action_id=action),
        VerificationStarted(cycle=1, until=until, window_days=30),
        site="UK",
    )  # fmt: skip
    return problem_id


async def test_a_watch_ends_effective_once_unless_the_problem_recurred(
    own_pool: asyncpg.Pool, uow: UnitOfWork, upkeep: EventConsumer
) -> None:
    until = datetime.now(UTC) + timedelta(days=30)
    quiet = await problem_watched(own_pool, upkeep, until)
    recurred = await problem_watched(own_pool, upkeep, until)
    await record(
        own_pool, upkeep, recurred,
        ComplaintsLinkedToProblem(complaints=[uuid4()], automatic=True),
        ProblemVerified(cycle=1, outcome=ProblemOutcome.RECURRED, title="漏水"),
        site="UK",
    )  # fmt: skip
    await fire_everywhere(uow, until - timedelta(minutes=1))
    assert await types_of(own_pool, "ProblemVerified") != [] and all(
        v["outcome"] == "recurred" for v in await types_of(own_pool, "ProblemVerified")
    ), "nothing settles a watch before its end"
    await fire_everywhere(uow, until + timedelta(minutes=1))
    verdicts = {(v["stream_id"], v["outcome"]) for v in await types_of(own_pool, "ProblemVerified")}
    assert verdicts == {(quiet, "effective"), (recurred, "recurred")}
    assert len(await types_of(own_pool, "ProblemVerified")) == 2
