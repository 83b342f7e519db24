import asyncio
import random
from uuid import uuid4

import asyncpg
import pytest

from complaint_desk.contract.events import Metadata
from complaint_desk.shared import eventstore
from complaint_desk.shared.eventstore import ConcurrencyConflict, FollowPosition
from complaint_desk.shared.tests.events import NoteAdded

META = Metadata(site_id="HQ", actor="tester")


async def test_append_then_read_in_order(pool: asyncpg.Pool) -> None:
    stream = uuid4()
    async with pool.acquire() as conn, conn.transaction():
        saved = await eventstore.append(
            conn, stream, [NoteAdded(text="一"), NoteAdded(text="二")], META, expected_version=0
        )
        third = await eventstore.append(
            conn, stream, [NoteAdded(text="三")], META, expected_version=2
        )
    assert (saved.first_version, saved.version, third.version) == (1, 2, 3)
    events = await eventstore.read_stream(pool, "complaint", stream)
    assert [e.payload().text for e in events] == ["一", "二", "三"]  # type: ignore[attr-defined]
    assert [e.event_id for e in events] == [*saved.event_ids, *third.event_ids]
    assert events[0].position < events[1].position < events[2].position  # type: ignore[operator]
    assert events[0].correlation_id == META.correlation_id
    assert events[0].site_id == "HQ" and events[0].actor == "tester"
    assert events[0].relayed_by is None, "the actor's own action"


async def test_who_relayed_an_action_is_kept_one_event_or_many(pool: asyncpg.Pool) -> None:
    stream = uuid4()
    relayed = Metadata(site_id="HQ", actor="李師傅", relayed_by="maintenance-system")
    async with pool.acquire() as conn:
        await eventstore.append(conn, stream, [NoteAdded(text="一")], relayed, expected_version=0)
        await eventstore.append(
            conn, stream, [NoteAdded(text="二"), NoteAdded(text="三")], relayed, expected_version=1
        )
    events = await eventstore.read_stream(pool, "complaint", stream)
    assert [(e.actor, e.relayed_by) for e in events] == [("李師傅", "maintenance-system")] * 3
    followed = await eventstore.read_after(pool, FollowPosition(), ["complaint"], limit=100_000)
    assert {e.relayed_by for _, e, _ in followed if e.stream_id == stream} == {"maintenance-system"}


async def test_payloads_are_stored_as_json_objects_one_event_or_many(pool: asyncpg.Pool) -> None:
    stream = uuid4()
    async with pool.acquire() as conn:
        await eventstore.append(conn, stream, [NoteAdded(text="一")], META, expected_version=0)
        await eventstore.append(
            conn, stream, [NoteAdded(text="二"), NoteAdded(text="三")], META, expected_version=1
        )
    rows = await pool.fetch(
        "SELECT jsonb_typeof(data) AS kind, data->>'text' AS text FROM eventstore.events"
        " WHERE stream_id = $1 ORDER BY version",
        stream,
    )
    assert [(r["kind"], r["text"]) for r in rows] == [
        ("object", "一"), ("object", "二"), ("object", "三"),
    ]  # fmt: skip


async def test_two_appends_with_the_same_expected_version_one_wins(pool: asyncpg.Pool) -> None:
    stream = uuid4()
    async with pool.acquire() as conn:
        await eventstore.append(conn, stream, [NoteAdded(text="first")], META, expected_version=0)

    async def write(text: str) -> str:
        async with pool.acquire() as conn, conn.transaction():
            await eventstore.append(conn, stream, [NoteAdded(text=text)], META, expected_version=1)
            await asyncio.sleep(0.05)  # hold the transaction so the other writer must wait
        return text

    results = await asyncio.gather(write("a"), write("b"), return_exceptions=True)
    winners = [r for r in results if isinstance(r, str)]
    conflicts = [r for r in results if isinstance(r, ConcurrencyConflict)]
    assert len(winners) == 1 and len(conflicts) == 1
    assert conflicts[0].expected == 1 and conflicts[0].actual == 2
    events = await eventstore.read_stream(pool, "complaint", stream)
    assert [e.payload().text for e in events] == ["first", winners[0]]  # type: ignore[attr-defined]


async def test_stale_or_skipping_expected_version_is_refused(pool: asyncpg.Pool) -> None:
    stream = uuid4()
    async with pool.acquire() as conn:
        await eventstore.append(conn, stream, [NoteAdded(text="x")] * 2, META, expected_version=0)
        with pytest.raises(ConcurrencyConflict):
            await eventstore.append(conn, stream, [NoteAdded(text="y")], META, expected_version=1)
        with pytest.raises(ConcurrencyConflict):  # would leave a hole at version 3
            await eventstore.append(conn, stream, [NoteAdded(text="y")], META, expected_version=3)
        appended = await eventstore.append(
            conn, stream, [NoteAdded(text="z")], META, expected_version=None
        )
        with pytest.raises(ConcurrencyConflict):  # several events, stale version
            await eventstore.append(
                conn, stream, [NoteAdded(text="w")] * 2, META, expected_version=1
            )
    assert appended.version == 3
    assert await eventstore.stream_version(pool, "complaint", stream) == 3


async def test_the_database_refuses_to_change_or_delete_events(pool: asyncpg.Pool) -> None:
    stream = uuid4()
    async with pool.acquire() as conn:
        await eventstore.append(conn, stream, [NoteAdded(text="keep")], META, expected_version=0)
        with pytest.raises(asyncpg.RestrictViolationError, match="append-only"):
            await conn.execute(
                "UPDATE eventstore.events SET actor = 'x' WHERE stream_id = $1", stream
            )
        with pytest.raises(asyncpg.RestrictViolationError, match="append-only"):
            await conn.execute("DELETE FROM eventstore.events WHERE stream_id = $1", stream)
        with pytest.raises(asyncpg.RestrictViolationError, match="append-only"):
            await conn.execute("TRUNCATE eventstore.events CASCADE")
    assert len(await eventstore.read_stream(pool, "complaint", stream)) == 1


async def test_a_follower_never_misses_an_event_from_50_concurrent_writers(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        start = FollowPosition(
            int(await conn.fetchval("SELECT pg_current_xact_id()::text::bigint")), 0
        )
    writers, per_writer = 50, 8
    streams = [uuid4() for _ in range(writers)]
    expected = {(s, v) for s in streams for v in range(1, per_writer + 1)}
    done = asyncio.Event()

    async def writer(stream) -> None:  # type: ignore[no-untyped-def]
        for version in range(per_writer):
            async with pool.acquire() as conn, conn.transaction():
                await eventstore.append(
                    conn, stream, [NoteAdded(text="n", sequence=version)], META,
                    expected_version=version,
                )  # fmt: skip
                # Commit late and in random order: positions are taken before the sleep.
                await asyncio.sleep(random.random() * 0.02)

    seen: list[tuple[object, int]] = []
    orders: list[FollowPosition] = []

    async def follower() -> None:
        position = start
        while True:
            finished = done.is_set()
            batch = await eventstore.read_after(pool, position, ["complaint"], limit=200)
            for follow, event, _ in batch:
                if event.stream_id in set(streams):
                    seen.append((event.stream_id, event.version))
                orders.append(follow)
                position = follow
            if finished and not batch:
                return
            await asyncio.sleep(0.005)

    follow_task = asyncio.create_task(follower())
    await asyncio.gather(*(writer(s) for s in streams))
    done.set()
    await asyncio.wait_for(follow_task, 30)

    assert len(seen) == len(expected), "every event seen exactly once"
    assert set(seen) == expected
    assert orders == sorted(orders, key=lambda p: (p.tx_id, p.position))
    for stream in streams:  # and each stream in version order
        versions = [v for s, v in seen if s == stream]
        assert versions == sorted(versions)


async def test_followers_read_in_index_order_without_sorting_the_rest_of_the_log(
    pool: asyncpg.Pool,
) -> None:
    # Ordering by the text-cast tx_id once made every batch sort the whole rest of the log.
    for query in (eventstore.Q.read_after, eventstore.Q.read_after_columns):
        sql = query.replace("{columns}", "data")
        async with pool.acquire() as conn, conn.transaction():
            # Small test tables make a sort cheap; forbid it where an index can give the order.
            for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
                await conn.execute(f"SET LOCAL {setting} = off")
            plan = "\n".join(
                r[0] for r in await conn.fetch(f"EXPLAIN {sql}", "0", 0, ["complaint"], 100)
            )
        assert "events_follow_order" in plan and "Sort" not in plan, plan


@pytest.mark.parametrize("count", [1, 3])
async def test_a_conflict_writes_nothing_and_leaves_the_transaction_usable(
    pool: asyncpg.Pool, count: int
) -> None:
    stream, other = uuid4(), uuid4()
    async with pool.acquire() as conn:
        await eventstore.append(conn, stream, [NoteAdded(text="first")], META, expected_version=0)
    async with pool.acquire() as conn, conn.transaction():
        with pytest.raises(ConcurrencyConflict) as conflict:
            await eventstore.append(
                conn, stream, [NoteAdded(text=f"late {i}") for i in range(count)], META,
                expected_version=0,
            )  # fmt: skip
        assert (conflict.value.expected, conflict.value.actual) == (0, 1)
        await eventstore.append(conn, other, [NoteAdded(text="after")], META, expected_version=0)
    assert [e.payload().text for e in await eventstore.read_stream(pool, "complaint", stream)] == [  # type: ignore[attr-defined]
        "first"
    ]
    assert len(await eventstore.read_stream(pool, "complaint", other)) == 1


async def test_events_at_the_ends_of_many_streams_in_one_statement(pool: asyncpg.Pool) -> None:
    one, two, new = uuid4(), uuid4(), uuid4()
    relayed = Metadata(site_id="B2", actor="系統", relayed_by="maintenance-system")
    async with pool.acquire() as conn:
        await eventstore.append(conn, one, [NoteAdded(text="一")], META, expected_version=0)
        await eventstore.append(
            conn, two, [NoteAdded(text="a"), NoteAdded(text="b")], META, expected_version=0
        )
        positions = await eventstore.append_at_ends(conn, [
            (one, NoteAdded(text="二"), META),
            (two, NoteAdded(text="c"), relayed),
            (one, NoteAdded(text="三"), META),
            (new, NoteAdded(text="first"), META),
        ])  # fmt: skip
    assert positions == sorted(positions) and len(set(positions)) == 4, "in the order given"
    streams = {s: await eventstore.read_stream(pool, "complaint", s) for s in (one, two, new)}
    texts = {s: [(e.version, e.payload().text) for e in events] for s, events in streams.items()}  # type: ignore[attr-defined]
    assert texts == {
        one: [(1, "一"), (2, "二"), (3, "三")],
        two: [(1, "a"), (2, "b"), (3, "c")],
        new: [(1, "first")],
    }
    last = streams[two][-1]
    assert (last.site_id, last.actor, last.relayed_by) == ("B2", "系統", "maintenance-system")
    assert last.position == positions[1]


async def test_at_the_ends_a_writer_there_first_makes_the_whole_statement_write_nothing(
    pool: asyncpg.Pool,
) -> None:
    ahead, other = uuid4(), uuid4()
    await eventstore.append(pool, ahead, [NoteAdded(text="一")], META, expected_version=0)  # type: ignore[arg-type]
    async with pool.acquire() as first, pool.acquire() as second:
        writing = first.transaction()
        await writing.start()  # version 2 written, not yet committed: invisible to the second
        await eventstore.append(first, ahead, [NoteAdded(text="二")], META, expected_version=1)
        both = asyncio.create_task(eventstore.append_at_ends(second, [
            (other, NoteAdded(text="x"), META), (ahead, NoteAdded(text="also 二"), META),
        ]))  # fmt: skip
        pid = second.get_server_pid()
        while not await pool.fetchval(  # noqa: ASYNC110 - waits on the lock, not on time
            "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1", pid
        ):
            await asyncio.sleep(0.01)
        await writing.commit()
        with pytest.raises(asyncpg.UniqueViolationError):
            await both
    assert await eventstore.read_stream(pool, "complaint", other) == [], "nothing written"
    texts = [e.payload().text for e in await eventstore.read_stream(pool, "complaint", ahead)]  # type: ignore[attr-defined]
    assert texts == ["一", "二"]


@pytest.mark.parametrize("count", [1, 3])
async def test_at_the_end_a_writer_there_first_is_followed_in_the_same_transaction(
    pool: asyncpg.Pool, count: int
) -> None:
    stream = uuid4()
    await eventstore.append(pool, stream, [NoteAdded(text="一")], META, expected_version=0)  # type: ignore[arg-type]
    later = [NoteAdded(text=f"後{n}") for n in range(count)]
    async with pool.acquire() as first, pool.acquire() as second:
        writing = first.transaction()
        await writing.start()  # version 2 written, not yet committed: the end is taken
        await eventstore.append(first, stream, [NoteAdded(text="二")], META, expected_version=1)  # type: ignore[arg-type]

        async def at_the_end() -> eventstore.Appended:
            async with second.transaction():
                return await eventstore.append(second, stream, later, META, expected_version=None)  # type: ignore[arg-type]

        appending = asyncio.create_task(at_the_end())
        pid = second.get_server_pid()
        while not await pool.fetchval(  # noqa: ASYNC110 - waits on the lock, not on time
            "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1", pid
        ):
            await asyncio.sleep(0.01)
        await writing.commit()
        appended = await appending
    assert appended.first_version == 3, "after the writer there first, not over it"
    texts = [e.payload().text for e in await eventstore.read_stream(pool, "complaint", stream)]  # type: ignore[attr-defined]
    assert texts == ["一", "二", *(e.text for e in later)]
