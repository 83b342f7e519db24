"""The status page's view of a complaint: the complainant's words for where it stands, the
agreed plan and when it is late, and nothing that is not theirs."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from complaint_desk.contract.events import EventEnvelope
from complaint_desk.services.intake.public.view import fold, overdue

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def stream(
    complaint: UUID, *steps: tuple[str, dict[str, Any]], kind: str = "complaint"
) -> list[EventEnvelope]:
    return [
        EventEnvelope(
            event_id=uuid4(), stream_type=kind, stream_id=complaint, version=i + 1,
            event_type=t, schema_version=1, occurred_at=NOW + timedelta(minutes=i), data=d,
            site_id="HQ", actor="o", correlation_id=uuid4(),
        )
        for i, (t, d) in enumerate(steps)
    ]  # fmt: skip


RECEIVED = ("ComplaintReceived", {
    "number": "HQ-1", "site": "HQ", "location": "3F", "category": "repair_delay",
    "received_at": NOW.isoformat(), "complainant_name": "pd1.x", "department": "d",
    "description": "d", "urgency": "normal", "channel": "web", "receiving_officer": "o",
})  # fmt: skip


def test_the_complainant_sees_the_plan_and_progress_but_no_staff_notes_or_names() -> None:
    c, plan = uuid4(), str(uuid4())
    view = fold(c, stream(
        c, RECEIVED,
        ("InternalNoteAdded", {"text": "staff only"}),
        ("OwnerAssigned", {"owner": "王值班", "previous": "o"}),
        ("ComplaintClassified", {"responsibility": "logistics", "severity": "L2",
                                 "category": "repair_delay"}),
        ("ResolutionProposed", {"resolution_id": plan, "kind": "repair", "summary": "換零件",
                                "deadline": (NOW + timedelta(days=1)).isoformat()}),
        ("ResolutionAccepted", {"resolution_id": plan}),
        ("TaskAssigned", {"task_id": str(uuid4()), "assignee_kind": "maintenance",
                          "assignee": "李師傅", "description": "x", "due_at": NOW.isoformat()}),
    ))  # fmt: skip
    words = " ".join(f"{s.words[0]} {s.detail or ''}" for s in view.steps)
    assert view.plan == "換零件" and view.plan_due == NOW + timedelta(days=1)
    assert view.stage_words[0] == "處理中"
    assert "staff only" not in words and "王值班" not in words and "李師傅" not in words
    assert "維修團隊" in words


def test_late_is_a_breached_clock_still_running_or_the_plan_past_its_date() -> None:
    c, plan = uuid4(), str(uuid4())
    view = fold(c, stream(
        c, RECEIVED,
        ("ComplaintClassified", {"responsibility": "logistics", "severity": "L2",
                                 "category": "repair_delay"}),
        ("ResolutionProposed", {"resolution_id": plan, "kind": "repair", "summary": "x",
                                "deadline": (NOW - timedelta(hours=1)).isoformat()}),
        ("ResolutionAccepted", {"resolution_id": plan}),
    ))  # fmt: skip
    clocks = stream(
        c, ("SlaBreached", {"clock": "response", "cycle": 1}),
        ("SlaMet", {"clock": "response", "cycle": 1}),
        ("SlaBreached", {"clock": "resolution", "cycle": 1}), kind="sla",
    )  # fmt: skip
    assert overdue(view, clocks, NOW) == ["resolution", "plan"]
    assert overdue(view, [], NOW - timedelta(days=1)) == [], "before the plan's date"


def test_a_co_complainant_sees_only_their_own_messages() -> None:
    c, theirs = uuid4(), uuid4()
    events = stream(
        c, RECEIVED,
        ("ComplainantMessageAdded", {"text": "first complainant's", "via": "web"}),
        ("ComplainantMessageAdded", {"text": "mine", "via": "email",
                                     "from_complaint": str(theirs)}),
    )  # fmt: skip
    assert [s.detail for s in fold(c, events).steps if s.mine] == ["first complainant's"]
    assert [s.detail for s in fold(c, events, reader=theirs).steps if s.mine] == ["mine"]
