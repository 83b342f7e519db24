"""Blue/green rebuilds against the real database: the rebuilt tables equal the live ones, twice
over, while queries keep running and the live projectors carry on after the swap."""

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from uuid import UUID, uuid4

import asyncpg
import pytest

from complaint_desk.contract.events import DomainEvent, Metadata, utcnow
from complaint_desk.contract.events.complaints import (
    CallbackRecorded,
    ComplaintAcknowledged,
    ComplaintClassified,
    ComplaintReceived,
    ComplaintReopened,
    ComplaintResolved,
)
from complaint_desk.contract.events.notifications import NotificationDelivered
from complaint_desk.contract.events.sla import SlaBreached, SlaClockStarted
from complaint_desk.services.projections import repository
from complaint_desk.services.projections.projectors import ComplaintRegister, Timeline
from complaint_desk.services.projections.rebuild import RegisterRebuild, TimelineRebuild
from complaint_desk.shared import db, eventstore
from complaint_desk.shared.consumer import EventConsumer
from complaint_desk.shared.rebuild import rebuild, verify
from conftest import PostgresHandle

SECRET = "rebuild-secret"
TABLES = {
    "complaints": "id",
    "sla_state": "complaint_id",
    "timeline": "stream_type, stream_id, version",
}


@pytest.fixture
async def own_db(postgres: PostgresHandle) -> AsyncIterator[tuple[str, asyncpg.Pool]]:
    url = await postgres.create_database("rebuild")
    pool = await db.create_pool(url, min_size=2, max_size=20)
    try:
        yield url, pool
    finally:
        await pool.close()


async def _table(pool: asyncpg.Pool, table: str) -> list[tuple[object, ...]]:
    query = f"SELECT * FROM projections.{table} ORDER BY {TABLES[table]}"
    return [tuple(r) for r in await pool.fetch(query)]


async def _snapshot(pool: asyncpg.Pool) -> dict[str, list[tuple[object, ...]]]:
    return {t: await _table(pool, t) for t in TABLES}


async def _life(pool: asyncpg.Pool, consumers: list[EventConsumer], n: int) -> UUID:
    """A complaint with a varied history, handed to every live projector."""
    complaint = uuid4()
    now = utcnow()
    received = ComplaintReceived(
        number=f"RB-{n:04d}", complainant_name="陳小明", department="總務", phone="0912 000 111",
        site="RB", location=f"{n % 3}F 飲水機", category="repair_delay", description=f"第{n}次",  # type: ignore[arg-type]
        urgency="normal", channel="phone", receiving_officer=f"officer{n % 2}",  # type: ignore[arg-type]
        received_at=now - timedelta(minutes=n),
    )  # fmt: skip
    history: list[list[DomainEvent]] = [
        [received],
        [ComplaintAcknowledged(contact_channel="phone")],  # type: ignore[arg-type]
        [
            ComplaintClassified(
                responsibility="logistics", severity=f"L{1 + n % 3}", category="repair_delay"
            )
        ],  # type: ignore[arg-type]
        [ComplaintResolved(summary="換新濾芯")] if n % 2 else [],
        [CallbackRecorded(satisfied=n % 4 == 1, channel="phone")] if n % 2 else [],  # type: ignore[arg-type]
        [ComplaintReopened(reason="又壞了", cycle=2)] if n % 4 == 3 else [],
    ]
    for events in history:
        if events:
            await _append_and_deliver(pool, consumers, complaint, *events)
    sla: list[DomainEvent] = [
        SlaClockStarted(
            clock="response",
            cycle=1,
            level="L2",
            calendar="24x7",
            target_seconds=60,
            started_at=now,
            due_at=now,
        )
    ]  # type: ignore[arg-type]
    if n % 3 == 0:
        sla.append(
            SlaBreached(
                clock="response", cycle=1, notify="duty_manager", due_at=now, reached_at=now
            )
        )  # type: ignore[arg-type]
    await _append_and_deliver(pool, consumers, complaint, *sla)
    note = NotificationDelivered(delivery_id=uuid4(), channel="email", attempts=1)
    await _append_and_deliver(pool, consumers, complaint, note)
    return complaint


async def test_a_rebuild_equals_the_live_tables_and_a_second_gives_the_same(
    own_db: tuple[str, asyncpg.Pool],
) -> None:
    url, pool = own_db
    live = [EventConsumer(pool, ComplaintRegister(SECRET)), EventConsumer(pool, Timeline())]
    ids = [await _life(pool, live, n) for n in range(12)]
    before = await _snapshot(pool)
    assert len(before["complaints"]) == 12 and len(before["timeline"]) > 12 * 4

    reports = [await rebuild(url, RegisterRebuild(SECRET), batch_size=7)]
    reports.append(await rebuild(url, TimelineRebuild(), batch_size=7))
    after = await _snapshot(pool)
    for a, b in zip(after["complaints"], before["complaints"], strict=True):
        assert a == b, [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    assert after == before, "a rebuild from the log equals the live projection"
    assert [r.skipped for r in reports] == [0, 0]
    assert reports[1].rows["timeline"] == len(before["timeline"])

    await rebuild(url, RegisterRebuild(SECRET))
    await rebuild(url, TimelineRebuild())
    assert await _snapshot(pool) == before, "rebuilding twice gives identical tables"

    # The live projectors carry on from the swapped tables: old events are duplicates, new
    # ones take effect on the new tables.
    [replayed] = [e for e in await _stream(pool, ids[0]) if e.version == 1]
    assert await live[0].deliver(replayed, source="test") is False
    await _append_and_deliver(pool, live, ids[0], ComplaintResolved(summary="again"))
    row = await repository.get_complaint(pool, ids[0])
    assert row is not None and row["status"] == "resolved"


async def _stream(pool: asyncpg.Pool, complaint: UUID):  # type: ignore[no-untyped-def]
    return await eventstore.read_stream(pool, "complaint", complaint)


async def _append_and_deliver(pool, consumers, stream, *events):  # type: ignore[no-untyped-def]
    """Append once, then hand the events to each consumer of their stream type."""
    async with pool.acquire() as conn:
        appended = await eventstore.append(
            conn, stream, list(events), Metadata(site_id="RB", actor="o"), expected_version=None
        )
    stored = await eventstore.read_stream(
        pool, events[0].stream_type, stream, from_version=appended.first_version
    )
    for consumer in consumers:
        if events[0].stream_type in consumer.stream_types:
            for event in stored:
                await consumer.deliver(event, source="test")


async def test_queries_and_the_live_projector_keep_running_through_a_rebuild(
    own_db: tuple[str, asyncpg.Pool],
) -> None:
    url, pool = own_db
    register = EventConsumer(pool, ComplaintRegister(SECRET))
    timeline = EventConsumer(pool, Timeline())
    for n in range(30):
        await _life(pool, [register, timeline], n)
    done = asyncio.Event()
    reads: list[int] = []

    async def query() -> None:
        while not done.is_set():
            _, total = await repository.list_complaints(pool, sites=["RB"], limit=5)
            reads.append(total)
            await asyncio.sleep(0)

    async def write() -> None:
        n = 30
        while not done.is_set():
            await _life(pool, [register, timeline], n)
            n += 1

    tasks = [asyncio.create_task(query()), asyncio.create_task(write())]
    try:
        report = await rebuild(url, RegisterRebuild(SECRET), batch_size=5)
    finally:
        done.set()
        await asyncio.gather(*tasks)
    assert reads and reads == sorted(reads), "every query answered, and none went backwards"
    live_after = await _table(pool, "complaints")
    # A fresh rebuild of everything now equals what the live projector made after the swap.
    await rebuild(url, RegisterRebuild(SECRET))
    assert await _table(pool, "complaints") == live_after
    assert report.events > 0 and len(live_after) > 30


async def test_the_cli_rebuilds_with_a_progress_bar(own_db: tuple[str, asyncpg.Pool]) -> None:
    url, pool = own_db
    live = [EventConsumer(pool, ComplaintRegister(SECRET)), EventConsumer(pool, Timeline())]
    for n in range(3):
        await _life(pool, live, n)
    before = await _snapshot(pool)
    env = os.environ | {"DATABASE_URL": url, "PROJECTIONS_CONTACT_KEY_SECRET": SECRET}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "complaint_desk.tools.cli", "rebuild", "--batch-size", "4",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert "rebuild register" in err.decode() and "100%" in err.decode(), "tqdm's bar"
    printed = out.decode()
    assert "projections.register:" in printed and "projections.timeline:" in printed
    assert await _snapshot(pool) == before


async def test_verify_compares_with_a_replay_without_swapping(
    own_db: tuple[str, asyncpg.Pool],
) -> None:
    url, pool = own_db
    live = [EventConsumer(pool, ComplaintRegister(SECRET)), EventConsumer(pool, Timeline())]
    ids = [await _life(pool, live, n) for n in range(4)]
    clean = await verify(url, TimelineRebuild())
    assert (clean["timeline"].missing, clean["timeline"].extra) == (0, 0)
    assert clean["timeline"].rows > 4
    # A lost effect and a wrong one: the replay shows both, and the live tables stay as they are.
    await pool.execute(
        "DELETE FROM projections.timeline WHERE stream_id = $1 AND version = 1", ids[0]
    )
    await pool.execute("UPDATE projections.complaints SET status = 'closed' WHERE id = $1", ids[1])
    # version 1 of its complaint, SLA and notification streams
    timeline = (await verify(url, TimelineRebuild()))["timeline"]
    assert (timeline.missing, timeline.extra) == (3, 0)
    assert [side for side, _ in timeline.samples] == ["replay"] * 3
    register = await verify(url, RegisterRebuild(SECRET))
    complaints, sla = register["complaints"], register["sla_state"]
    assert (complaints.missing, complaints.extra, sla.missing, sla.extra) == (1, 1, 0, 0)
    assert {row["status"] for side, row in complaints.samples if side == "live"} == {"closed"}
    assert (await repository.get_complaint(pool, ids[1]) or {})["status"] == "closed"


async def test_a_stream_is_folded_in_its_own_order_when_the_log_order_differs(
    own_db: tuple[str, asyncpg.Pool],
) -> None:
    # The log is ordered by transaction. A transaction that began first (as the SLA timers'
    # do) can append version 2 after another committed version 1: version 2 comes first.
    url, pool = own_db
    register = EventConsumer(pool, ComplaintRegister(SECRET))
    complaint = uuid4()
    meta = Metadata(site_id="RB", actor="o")
    received = ComplaintReceived(
        number="RB-9999", complainant_name="x", department="y", site="RB", location="1F",
        category="repair_delay", description="d", urgency="normal", channel="phone",  # type: ignore[arg-type]
        receiving_officer="o", received_at=utcnow(),
    )  # fmt: skip
    async with pool.acquire() as early, pool.acquire() as late:
        tx = early.transaction()
        await tx.start()
        await early.fetchval("SELECT pg_current_xact_id()")  # takes the lower transaction id
        await eventstore.append(late, complaint, [received], meta, expected_version=0)
        await eventstore.append(
            early, complaint, [ComplaintAcknowledged(contact_channel="phone")], meta,  # type: ignore[arg-type]
            expected_version=1,
        )  # fmt: skip
        await tx.commit()
    log_order = await pool.fetch(
        "SELECT version FROM eventstore.events WHERE stream_id = $1 ORDER BY tx_id, position",
        complaint,
    )
    assert [r["version"] for r in log_order] == [2, 1], "the situation under test"
    for event in await eventstore.read_stream(pool, "complaint", complaint):
        await register.deliver(event, source="test")
    before = await _table(pool, "complaints")
    report = await rebuild(url, RegisterRebuild(SECRET))
    assert report.skipped == 0
    assert await _table(pool, "complaints") == before
    assert (await repository.get_complaint(pool, complaint) or {})["status"] == "contacted"


LEARNING = {
    "problems": "problem_id", "inspection_schedules": "schedule_id",
    "inspection_visits": "visit_id", "training": "training_id",
}  # fmt: skip


async def _learning(pool: asyncpg.Pool) -> dict[str, list[tuple[object, ...]]]:
    return {
        t: [tuple(r) for r in await pool.fetch(f"SELECT * FROM projections.{t} ORDER BY {k}")]
        for t, k in LEARNING.items()
    }


async def test_the_learning_read_models_rebuild_to_what_the_live_projector_made(
    own_db: tuple[str, asyncpg.Pool],
) -> None:
    from datetime import date

    from complaint_desk.contract.events.complaints import ResolutionAccepted, ResolutionProposed
    from complaint_desk.contract.events.inspections import (
        InspectionCompleted,
        InspectionMissed,
        InspectionScheduled,
        InspectionWorkOrderRequested,
    )
    from complaint_desk.contract.events.problems import (
        ImprovementCompleted,
        ImprovementPlanned,
        InspectionPlan,
        ProblemOpened,
        RootCauseRecorded,
        VerificationStarted,
    )
    from complaint_desk.services.projections.learning import Learning
    from complaint_desk.services.projections.rebuild import LearningRebuild

    url, pool = own_db
    live = [EventConsumer(pool, Learning())]
    now = utcnow()
    problem, action, other = uuid4(), uuid4(), uuid4()
    plan = InspectionPlan(every_days=7, starts_on=date(2026, 12, 1))
    await _append_and_deliver(
        pool, live, problem,
        ProblemOpened(site="RB", title="飲水機", origin="hotspot", asset="WD-1",  # type: ignore[arg-type]
                      complaints=[uuid4()]),
        RootCauseRecorded(analysis="濾心"),
        ImprovementPlanned(action_id=action, kind="training", description="保養訓練",  # type: ignore[arg-type]
                           owner="主管", due_on=date(2026, 12, 20), officer="officer-wang"),
        ImprovementPlanned(action_id=other, kind="inspection", description="每週",  # type: ignore[arg-type]
                           owner="水電", due_on=date(2026, 12, 20), inspection=plan),
        ImprovementCompleted(action_id=action),
        ImprovementCompleted(action_id=other),
        VerificationStarted(cycle=1, until=now + timedelta(days=30), window_days=30),
    )  # fmt: skip
    await _append_and_deliver(pool, live, other, InspectionScheduled(
        site="RB", plan=plan, description="每週", location="3F 飲水機", asset="WD-1",
        problem_id=problem, action_id=other))  # fmt: skip
    for n, ending in enumerate((InspectionCompleted, InspectionMissed)):
        visit = uuid4()
        due = now - timedelta(days=7 * (n + 1))
        order = InspectionWorkOrderRequested(
            task_id=visit, site="RB", location="3F 飲水機", description="巡檢", due_at=due,
            schedule_id=other, miss_at=due + timedelta(hours=8),
        )  # fmt: skip
        end = ending(schedule_id=other) if ending is InspectionCompleted else InspectionMissed(
            schedule_id=other, due_at=due, site="RB", location="3F 飲水機")  # fmt: skip
        await _append_and_deliver(pool, live, visit, order, end)
    complaint, resolution = uuid4(), uuid4()
    await _append_and_deliver(
        pool, live, complaint,
        ComplaintReceived(
            number="RB-9", complainant_name="x", department="y", phone="0912000111", site="RB",
            location="櫃檯", category="service_attitude", description="態度差", urgency="normal",  # type: ignore[arg-type]
            channel="phone", receiving_officer="officer-lee", received_at=now,  # type: ignore[arg-type]
            about_staff="officer-chen",
        ),
        ResolutionProposed(resolution_id=resolution, kind="service_attitude", summary="再訓練",  # type: ignore[arg-type]
                           retraining=True, deadline=now + timedelta(days=7)),
        ResolutionAccepted(resolution_id=resolution),
        ComplaintResolved(summary="已完成訓練"),
    )  # fmt: skip
    before = await _learning(pool)
    assert [len(before[t]) for t in LEARNING] == [1, 1, 2, 2]
    trained = {r[2]: r for r in before["training"]}  # by officer
    assert trained["officer-wang"][8] is not None and trained["officer-chen"][8] is not None
    report = await rebuild(url, LearningRebuild(), batch_size=5)
    assert report.skipped == 0
    assert await _learning(pool) == before, "a rebuild from the log equals the live projection"
