"""Dashboards, officer indicators and hotspots, computed by PostgreSQL from the register."""

from datetime import timedelta
from uuid import uuid4

import asyncpg
import pytest

from complaint_desk.contract.events import utcnow
from complaint_desk.contract.events.complaints import (
    CallbackRecorded,
    ComplaintAcknowledged,
    ComplaintClassified,
    ComplaintReceived,
    ComplaintResolved,
)
from complaint_desk.services.projections import repository
from complaint_desk.services.projections.projectors import ComplaintRegister
from complaint_desk.shared.consumer import EventConsumer
from conftest import record


@pytest.fixture
def register(pool: asyncpg.Pool) -> EventConsumer:
    return EventConsumer(pool, ComplaintRegister("test-secret"))


async def _complaint(
    pool,
    register,
    site,
    officer,
    minutes_ago,
    location="3F 飲水機",
    category="repair_delay",
    phone="0912345678",
    email=None,
):  # type: ignore[no-untyped-def]
    complaint = uuid4()
    received = ComplaintReceived(
        number=f"{site}-{complaint.hex[:4]}",
        complainant_name="x",
        department="y",
        phone=phone,
        email=email,
        site=site,
        location=location,
        category=category,
        description="d",
        urgency="normal",
        channel="phone",
        receiving_officer=officer,
        received_at=utcnow() - timedelta(minutes=minutes_ago),
    )
    await record(pool, register, complaint, received)
    return complaint


async def test_dashboard_and_officer_indicators(
    pool: asyncpg.Pool, register: EventConsumer
) -> None:
    site = "D" + uuid4().hex[:5].upper()
    wang = [await _complaint(pool, register, site, "wang", m) for m in (10, 20, 30)]
    await _complaint(pool, register, site, "lin", 40)
    for complaint in wang:  # acknowledged now: after 10, 20 and 30 minutes
        await record(pool, register, complaint, ComplaintAcknowledged(contact_channel="phone"))  # type: ignore[arg-type]
    await record(
        pool, register, wang[0],
        ComplaintClassified(responsibility="logistics", severity="L2", category="repair_delay"),  # type: ignore[arg-type]
        ComplaintResolved(summary="fixed"),
        CallbackRecorded(channel="phone", satisfied=True),  # type: ignore[arg-type]
    )  # fmt: skip
    await record(
        pool, register, wang[1],
        ComplaintClassified(responsibility="logistics", severity="L3", category="repair_delay"),  # type: ignore[arg-type]
        ComplaintResolved(summary="fixed"),
        CallbackRecorded(channel="phone", satisfied=False),  # type: ignore[arg-type]
    )  # fmt: skip
    start, end = utcnow() - timedelta(days=1), utcnow() + timedelta(minutes=1)
    [everything] = await repository.dashboard(pool, [site], start, end, "none")
    assert (everything["received"], everything["resolved"]) == (4, 2)
    assert everything["response_p50"] == pytest.approx(20 * 60, abs=30)
    assert everything["response_p90"] == pytest.approx(28 * 60, abs=30)
    assert everything["satisfaction"] == pytest.approx(0.5)
    by_severity = {
        r["group"]: (r["received"], r["provisional"])
        for r in await repository.dashboard(pool, [site], start, end, "severity")
    }
    assert by_severity == {"L2": (1, 0), "L3": (3, 2)}  # two not classified: L3 for now
    officers = {r["officer"]: r for r in await repository.officers(pool, [site], start, end)}
    assert officers["wang"]["received"] == 3 and officers["lin"]["received"] == 1
    assert officers["wang"]["resolution_rate"] == pytest.approx(2 / 3)
    assert officers["lin"]["response_p50"] is None and officers["lin"]["satisfaction"] is None


async def test_hotspots_flag_the_same_problem_at_the_same_place(
    pool: asyncpg.Pool, register: EventConsumer
) -> None:
    site = "H" + uuid4().hex[:5].upper()
    places = (
        (5, "3F 飲水機"),
        (60, "3f飲水機"),
        (600, "3F  飲水機"),
    )  # one place, spelt three ways
    dispenser = [
        await _complaint(pool, register, site, "wang", m, location=loc) for m, loc in places
    ]
    await _complaint(pool, register, site, "wang", 7, location="3F 飲水機", category="shortage")
    await _complaint(pool, register, site, "wang", 8, location="B1 停車場")
    [hot] = await repository.hotspots(pool, [site], utcnow() - timedelta(days=30), 3)
    assert (hot["category"], hot["complaints"]) == ("repair_delay", 3)
    assert hot["complaint_ids"] == list(reversed(dispenser)), "oldest first"
    assert await repository.hotspots(pool, [site], utcnow() - timedelta(minutes=30), 3) == []


async def test_repeat_complainants_are_recognised_by_their_contacts(
    pool: asyncpg.Pool, register: EventConsumer
) -> None:
    site = "P" + uuid4().hex[:5].upper()
    same_person = [
        await _complaint(pool, register, site, "wang", m, location=f"{m}F", phone=phone)
        for m, phone in ((9, "0922-111-333"), (8, "0922 111 333"), (7, "0922111333"))
    ]
    await _complaint(pool, register, site, "wang", 6, phone="0933000111")
    await _complaint(pool, register, site, "wang", 5, phone=None, email="a@example.org")
    await _complaint(pool, register, site, "wang", 4, phone=None, email="A@Example.org")
    since = utcnow() - timedelta(days=30)
    [person] = await repository.repeat_complainants(pool, [site], since, 3)
    assert person["complaints"] == 3 and person["complaint_ids"] == same_person
    assert "0922" not in person["complainant"], "a key, not the phone number"
    by_count = sorted(
        r["complaints"] for r in await repository.repeat_complainants(pool, [site], since, 2)
    )
    assert by_count == [2, 3], "the email, in any case, is one person too"
