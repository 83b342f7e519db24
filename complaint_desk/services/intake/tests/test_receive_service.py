"""Receiving a complaint against the real PostgreSQL (no broker, no HTTP): its number is the
site's next of the day, and the earlier complaints like it, inside the window and at the same
site only, are linked; the number and the search are one statement, so both are checked here
together."""

import asyncio
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from complaint_desk.services.intake import attachments
from complaint_desk.services.intake import commands as c
from complaint_desk.services.intake.media import KNOWN_TYPES
from complaint_desk.services.intake.service import Receipt, receive_complaint
from complaint_desk.shared import eventstore
from complaint_desk.shared.privacy.keys import KeyRing
from complaint_desk.shared.privacy.sealing import master_key
from complaint_desk.shared.uow import UnitOfWork
from tests.e2e.helpers import complaint

KEYS = KeyRing(master_key("receive-service-test"))
NOW = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)  # 11:00 in Taipei: the same local day


@pytest.fixture
def receive(pool: asyncpg.Pool) -> Callable[..., Any]:
    async def received(at: datetime, **fields: Any) -> Receipt:
        return await receive_complaint(
            UnitOfWork(pool), c.ReceiveComplaint(**complaint(**fields)), actor="officer-wang",
            number_timezone="Asia/Taipei", contact_key_secret="secret", keyring=KEYS,
            repeat_window_days=30, clock=lambda: at,
        )  # fmt: skip

    return received


async def _related(pool: asyncpg.Pool, receipt: Receipt) -> set[UUID]:
    events = await eventstore.read_stream(pool, "complaint", receipt.complaint_id)
    found = [e for e in events if e.event_type == "RepeatComplaintDetected"]
    return {UUID(str(r)) for e in found for r in e.data["related"]}


async def test_numbers_follow_each_other_and_only_recent_alike_ones_at_the_site_are_linked(
    pool: asyncpg.Pool, receive: Callable[..., Any]
) -> None:
    site, phone = "RS" + uuid4().hex[:4].upper(), f"09{uuid4().int % 10**8:08d}"
    old = await receive(NOW - timedelta(days=40), site=site, phone=phone)
    first = await receive(NOW, site=site, phone=phone)
    second = await receive(NOW + timedelta(minutes=1), site=site, phone=phone)
    unrelated = await receive(NOW + timedelta(minutes=2), site=site)
    third = await receive(NOW + timedelta(minutes=3), site=site, phone=phone)
    elsewhere = await receive(NOW + timedelta(minutes=4), site=site + "X", phone=phone)

    assert old.number == f"{site}-20261024-0001"
    today = [r.number for r in (first, second, unrelated, third)]
    assert today == [f"{site}-20261203-{n:04d}" for n in (1, 2, 3, 4)]
    assert elsewhere.number == f"{site}X-20261203-0001", "each site counts on its own"
    assert first.events == ["ComplaintReceived"], "the one 40 days before is outside the window"
    assert await _related(pool, third) == {first.complaint_id, second.complaint_id}
    assert await _related(pool, unrelated) == set()
    assert await _related(pool, elsewhere) == set(), "another site's complaints stay unseen"


async def test_what_needs_no_number_is_done_before_the_sites_numbering_row_is_locked(
    pool: asyncpg.Pool,
) -> None:
    """The numbering row is held until the commit: a complaint's files and its complainant's
    key are written before it is taken, not while the next complaint at the site waits."""
    site = "RL" + uuid4().hex[:4].upper()
    first = await _receive_with_a_file(pool, site)
    async with pool.acquire() as holder, holder.transaction():
        await holder.execute(
            "SELECT 1 FROM intake.complaint_numbers WHERE site = $1 FOR UPDATE", site
        )
        second = asyncio.create_task(_receive_with_a_file(pool, site))
        waiting = None
        while waiting is None:
            waiting = await pool.fetchval(
                "SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
                holder.get_server_pid(),
            )
            await asyncio.sleep(0.01)
        written = await pool.fetch(
            "SELECT relation::regclass::text AS t FROM pg_locks WHERE pid = $1"
            " AND locktype = 'relation' AND mode = 'RowExclusiveLock'",
            waiting,
        )
        tables = {r["t"] for r in written}
        assert {"intake.attachments", "intake.blobs", "privacy.subject_keys"} <= tables
        assert "eventstore.events" not in tables, "nothing of the complaint before its number"
    assert (await second).number == first.number[:-4] + "0002"


async def _receive_with_a_file(pool: asyncpg.Pool, site: str) -> Receipt:
    limits = attachments.Limits(KNOWN_TYPES, max_bytes=10**6, per_complaint=10**6)
    pdf = attachments.check(io.BytesIO(b"%PDF-1.7\n" + uuid4().bytes), "plan.pdf", limits)
    return await receive_complaint(
        UnitOfWork(pool), c.ReceiveComplaint(**complaint(site=site, phone=_phone())),
        actor="officer-wang", number_timezone="Asia/Taipei", contact_key_secret="secret",
        keyring=KEYS, clock=lambda: NOW, uploads=[pdf],
    )  # fmt: skip


def _phone() -> str:
    return f"09{uuid4().int % 10**8:08d}"
