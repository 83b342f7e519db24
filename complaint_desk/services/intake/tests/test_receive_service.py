"""Receiving a complaint against the real PostgreSQL (no broker, no HTTP): its number is the
site's next of the day, and the earlier complaints like it, inside the window and at the same
site only, are linked; the number and the search are one statement, so both are checked here
together."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from complaint_desk.services.intake import commands as c
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
