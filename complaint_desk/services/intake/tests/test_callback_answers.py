"""The complainant's answer from the callback link, against the real PostgreSQL: it takes
effect (not satisfied: a review), or, when the complaint moved on meanwhile, it is kept on the
timeline; never logged and dropped."""

from datetime import UTC, datetime
from uuid import UUID, uuid4

import asyncpg

from complaint_desk.contract.events.complaints import (
    CallbackRecorded,
    ComplaintClassified,
    ComplaintClosed,
    ComplaintReceived,
    ComplaintResolved,
)
from complaint_desk.contract.events.notifications import CallbackAnswered
from complaint_desk.services.intake.projectors import CallbackAnswers
from complaint_desk.shared import eventstore
from complaint_desk.shared.consumer import EventConsumer
from conftest import record

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _received() -> ComplaintReceived:
    return ComplaintReceived(
        number="CB-1", complainant_name="x", department="y", phone="0912345678", site="CB",
        location="3F", category="repair_delay", description="d", urgency="normal",  # type: ignore[arg-type]
        channel="phone", receiving_officer="officer-wang", received_at=NOW,  # type: ignore[arg-type]
    )  # fmt: skip


def _answer() -> CallbackAnswered:
    return CallbackAnswered(
        cycle=1, satisfied=False, channel="email", rating=2, reasons=["not_fixed"],  # type: ignore[list-item]
        comments="still leaking", suggestions="replace it",
    )  # fmt: skip


async def _types(pool: asyncpg.Pool, complaint: UUID) -> list[str]:
    return [e.event_type for e in await eventstore.read_stream(pool, "complaint", complaint)]


async def test_a_dissatisfied_answer_is_recorded_and_opens_a_review(pool: asyncpg.Pool) -> None:
    complaint = uuid4()
    await record(pool, EventConsumer(pool, NoOp()), complaint, _received(), site="CB")
    classified = ComplaintClassified(responsibility="logistics", severity="L3", category="other")  # type: ignore[arg-type]
    await record(pool, EventConsumer(pool, NoOp()), complaint, classified,
                 ComplaintResolved(summary="fixed"), site="CB")  # fmt: skip
    await record(pool, EventConsumer(pool, CallbackAnswers()), complaint, _answer(), site="CB")
    assert (await _types(pool, complaint))[-2:] == ["CallbackRecorded", "ReviewOpened"]
    [recorded] = [
        e for e in await eventstore.read_stream(pool, "complaint", complaint)
        if e.event_type == "CallbackRecorded"
    ]  # fmt: skip
    assert (recorded.data["rating"], recorded.data["reasons"]) == (2, ["not_fixed"])


async def test_an_answer_after_the_complaint_moved_on_is_kept(pool: asyncpg.Pool) -> None:
    complaint = uuid4()
    classified = ComplaintClassified(responsibility="logistics", severity="L3", category="other")  # type: ignore[arg-type]
    await record(pool, EventConsumer(pool, NoOp()), complaint, _received(), classified,
                 ComplaintResolved(summary="fixed"),
                 CallbackRecorded(channel="phone", satisfied=True),  # type: ignore[arg-type]
                 ComplaintClosed(closed_at=NOW), site="CB")  # fmt: skip
    await record(pool, EventConsumer(pool, CallbackAnswers()), complaint, _answer(), site="CB")
    history = await eventstore.read_stream(pool, "complaint", complaint)
    assert history[-1].event_type == "LateCallbackAnswerRecorded"
    assert (
        history[-1].data["satisfied"] is False and history[-1].data["suggestions"] == "replace it"
    )
    assert "ReviewOpened" not in [e.event_type for e in history], "closed: no review reopens it"


class NoOp:
    """Stands for no consumer: the events are only appended."""

    name = "test.noop"
    stream_types = ("complaint",)

    async def apply(self, conn: object, event: object) -> None:
        return None
