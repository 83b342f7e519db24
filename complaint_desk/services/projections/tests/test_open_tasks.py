"""Which tasks a complaint's timeline leaves open: the console offers actions on these."""

from uuid import uuid4

from complaint_desk.services.projections.domain import open_tasks


def _entry(event_type: str, **data: object) -> dict[str, object]:
    return {"event_type": event_type, "data": data}


def test_a_task_is_open_from_its_assignment_until_completed_or_cancelled() -> None:
    pipe, paper, lamp = (str(uuid4()) for _ in range(3))
    due = "2030-01-15T09:00:00Z"
    history = [
        _entry("ComplaintReceived", number="HQ-1"),
        _entry("TaskAssigned", task_id=pipe, assignee_kind="maintenance", assignee="李師傅",
               description="更換進水閥", due_at=due),
        _entry("TaskAssigned", task_id=paper, assignee_kind="procurement", assignee="採購組",
               description="影印紙", due_at=due),
        _entry("TaskAssigned", task_id=lamp, assignee_kind="third_party", assignee="燈具商",
               description="燈管", due_at=due),
        _entry("TaskProgressed", task_id=pipe, note="零件已到"),
        _entry("TaskProgressed", task_id=paper, external_status="ordered"),
        _entry("TaskCompleted", task_id=lamp),
        _entry("TaskCancelled", task_id=paper, reason="庫存已補"),
    ]  # fmt: skip
    [left] = open_tasks(history)
    assert (left.task_id, left.assignee, left.last_note) == (pipe, "李師傅", "零件已到")
    assert left.due_at.isoformat() == "2030-01-15T09:00:00+00:00"
    assert open_tasks(history[:4])[1].last_note is None, "no progress yet"
    assert [t.task_id for t in open_tasks(history[:6])] == [pipe, paper, lamp], "oldest first"
    assert open_tasks(history[:6])[1].last_note == "ordered", "the other system's status"


def test_a_reply_about_an_unknown_task_opens_nothing() -> None:
    assert open_tasks([_entry("TaskProgressed", task_id=str(uuid4()), note="?")]) == []
