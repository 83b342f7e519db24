"""Intake's use cases for other systems, called directly against the real PostgreSQL (no
broker, no HTTP): maintenance's updates take effect once, in progress order whatever order
they arrive in; an update for a task nobody knows is unprocessable; a refused command is
answered with CommandRejected and its reason."""

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4, uuid5

import asyncpg
import pytest

from complaint_desk.contract.events.complaints import CommandRejected
from complaint_desk.contract.integration import ComplaintCommand, WorkOrderStatus, WorkOrderUpdate
from complaint_desk.services.intake import commands as c
from complaint_desk.services.intake.integration import (
    _COMMAND_STREAMS,
    Handled,
    Unprocessable,
    handle_command,
    handle_task_update,
)
from complaint_desk.services.intake.service import Context, receive_complaint, run_command
from complaint_desk.shared import eventstore
from complaint_desk.shared.privacy.keys import KeyRing
from complaint_desk.shared.privacy.sealing import master_key
from complaint_desk.shared.uow import UnitOfWork
from tests.e2e.helpers import complaint

KEYS = KeyRing(master_key("integration-service-test"))


@pytest.fixture
def uow(pool: asyncpg.Pool) -> UnitOfWork:
    return UnitOfWork(pool)


async def _with_task(uow: UnitOfWork) -> tuple[UUID, UUID]:
    body = complaint(site="INT")
    receipt = await receive_complaint(
        uow, c.ReceiveComplaint(**body), actor="officer-wang", number_timezone="Asia/Taipei",
        contact_key_secret="secret", keyring=KEYS,
    )  # fmt: skip
    now = datetime.now(UTC)
    ctx = Context(now=now)
    await run_command(uow, "acknowledge", receipt.complaint_id, c.Acknowledge(actor="o"), ctx)
    classify = c.Classify(actor="o", responsibility="logistics", severity="L3")  # type: ignore[arg-type]
    await run_command(uow, "classify", receipt.complaint_id, classify, ctx)
    task = c.AssignTask(
        actor="o", assignee_kind="maintenance", assignee="maintenance",  # type: ignore[arg-type]
        description="fix the dispenser", due_at=now + timedelta(days=2),
    )  # fmt: skip
    outcome = await run_command(uow, "tasks", receipt.complaint_id, task, ctx)
    assert outcome.created_id is not None
    return receipt.complaint_id, outcome.created_id


def _update(task: UUID, status: WorkOrderStatus, offset: int) -> WorkOrderUpdate:
    return WorkOrderUpdate(
        message_id=f"{task}-{status.value}", task_id=task, status=status,
        occurred_at=datetime.now(UTC) + timedelta(seconds=offset),
    )  # fmt: skip


async def _types(pool: asyncpg.Pool, complaint_id: UUID) -> list[str]:
    return [e.event_type for e in await eventstore.read_stream(pool, "complaint", complaint_id)]


async def test_updates_out_of_order_and_twice_take_effect_once_in_progress_order(
    pool: asyncpg.Pool, uow: UnitOfWork
) -> None:
    complaint_id, task = await _with_task(uow)
    completed = _update(task, WorkOrderStatus.COMPLETED, 2)
    accepted = _update(task, WorkOrderStatus.ACCEPTED, 0)
    assert await handle_task_update(uow, "maintenance", completed) is Handled.APPLIED
    assert await handle_task_update(uow, "maintenance", completed) is Handled.DUPLICATE
    assert await handle_task_update(uow, "maintenance", accepted) is Handled.STALE
    types = await _types(pool, complaint_id)
    assert types.count("TaskCompleted") == 1 and "TaskProgressed" not in types


async def test_an_update_for_an_unknown_task_is_unprocessable(uow: UnitOfWork) -> None:
    with pytest.raises(Unprocessable):
        await handle_task_update(uow, "maintenance", _update(uuid4(), WorkOrderStatus.ACCEPTED, 0))


async def test_a_refused_command_is_answered_with_its_reason(
    pool: asyncpg.Pool, uow: UnitOfWork
) -> None:
    complaint_id, _ = await _with_task(uow)
    closing = ComplaintCommand(
        command_id=f"cmd-{uuid4()}", command="close", complaint_id=complaint_id, actor="crm"
    )
    assert await handle_command(uow, closing, reopen_window_days=30) is Handled.REJECTED
    assert await handle_command(uow, closing, reopen_window_days=30) is Handled.DUPLICATE
    stream = uuid5(_COMMAND_STREAMS, f"commands:{closing.command_id}")
    [rejected] = await eventstore.read_stream(pool, CommandRejected.stream_type, stream)
    assert rejected.data["reason"].startswith("conflict: Cannot close")
    assert "ComplaintClosed" not in await _types(pool, complaint_id)
