"""What must hold once the system has drained: nothing acknowledged is lost, nothing took
effect twice, every due SLA threshold fired once, poison is parked, and nothing is stuck."""

from collections import Counter
from dataclasses import dataclass, field

import asyncpg

from complaint_desk.services.projections.rebuild import RegisterRebuild, TimelineRebuild
from complaint_desk.shared import outbox
from complaint_desk.shared.rebuild import verify

from .workload import Ack

CONSUMERS = ("projections.register", "projections.timeline", "sla.clocks", "notify.rules")


@dataclass
class Check:
    name: str
    checked: int
    lost: int = 0
    duplicated: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.problems)


async def acknowledged_in_store(pool: asyncpg.Pool, acks: list[Ack]) -> Check:
    check = Check("acknowledged commands' events are in the event store", len(acks))
    stored = {
        (r["stream_id"], r["version"]): r["event_type"]
        for r in await pool.fetch(
            "SELECT stream_id, version, event_type FROM eventstore.events "
            "WHERE stream_type = 'complaint'"
        )
    }
    for ack in acks:
        first = ack.version - len(ack.events) + 1
        found = tuple(stored.get((ack.complaint_id, first + i)) for i in range(len(ack.events)))
        if found != ack.events:
            check.lost += 1
            check.problems.append(f"{ack.command} on {ack.complaint_id}: {found} != {ack.events}")
    return check


async def read_models_equal_replay(database_url: str, contact_secret: str) -> Check:
    """Each read model against a rebuild of it from the log, row for row."""
    check = Check("read models equal a replay of the log (register, SLA state, timeline)", 0)
    for rebuilder in (RegisterRebuild(contact_secret), TimelineRebuild()):
        for table, diff in (await verify(database_url, rebuilder)).items():
            check.checked += diff.rows
            check.lost += diff.missing
            check.duplicated += diff.extra
            if diff.missing or diff.extra:
                check.problems.append(f"{table}: {diff.missing} rows missing, {diff.extra} extra")
                check.problems.extend(f"{side}: {row}" for side, row in diff.samples)
    return check


async def consumers_caught_up(pool: asyncpg.Pool) -> Check:
    """Every consumer applied every stream of its kinds up to the stream's head."""
    heads = {
        (r["stream_type"], r["stream_id"]): r["version"]
        for r in await pool.fetch(
            "SELECT stream_type, stream_id, max(version) AS version FROM eventstore.events "
            "GROUP BY 1, 2"
        )
    }
    check = Check("every event reached every consumer (stream positions at the heads)", 0)
    kinds = {
        r["consumer"]: set(r["kinds"])
        for r in await pool.fetch(
            "SELECT consumer, array_agg(DISTINCT stream_type) AS kinds "
            "FROM consumers.stream_positions GROUP BY consumer"
        )
    }
    for consumer in CONSUMERS:
        applied = {
            (r["stream_type"], r["stream_id"]): r["version"]
            for r in await pool.fetch(
                "SELECT stream_type, stream_id, version FROM consumers.stream_positions "
                "WHERE consumer = $1",
                consumer,
            )
        }
        for stream, head in heads.items():
            if stream[0] not in kinds.get(consumer, set()):
                continue
            check.checked += 1
            if applied.get(stream, 0) < head:
                check.lost += 1
                check.problems.append(f"{consumer} at {applied.get(stream, 0)}/{head} of {stream}")
    return check


async def side_effects_once(pool: asyncpg.Pool) -> Check:
    """One work order or purchase request per task, one delivery per notification."""
    check = Check("one work order per task, one delivery per notification", 0)
    tasks = await pool.fetch(
        "SELECT data->>'task_id' AS task, data->>'assignee_kind' AS kind "
        "FROM eventstore.events WHERE event_type = 'TaskAssigned'"
    )
    requests = Counter(
        r["task"]
        for r in await pool.fetch(
            "SELECT data->>'task_id' AS task FROM eventstore.events "
            "WHERE event_type IN ('WorkOrderRequested', 'PurchaseRequested')"
        )
    )
    for t in tasks:
        if t["kind"] not in ("maintenance", "procurement"):
            continue
        check.checked += 1
        if requests[t["task"]] == 0:
            check.lost += 1
        elif requests[t["task"]] > 1:
            check.duplicated += requests[t["task"]] - 1
    notifications = await pool.fetch(
        "SELECT event_type, count(*) AS n, count(DISTINCT data->>'delivery_id') AS once "
        "FROM eventstore.events "
        "WHERE event_type IN ('NotificationQueued', 'NotificationDelivered') GROUP BY 1"
    )
    for r in notifications:
        check.checked += r["once"] if r["event_type"] == "NotificationQueued" else 0
        check.duplicated += r["n"] - r["once"]
    return check


async def webhooks_received(pool: asyncpg.Pool, receipts: list[dict[str, str]]) -> Check:
    """Every webhook delivered reached the receiver. A delivery whose answer was lost to a
    kill -9 is sent again with the same ``webhook-id``, for the receiver to recognise (at
    least once, by the Standard Webhooks spec): counted, not a duplicate."""
    delivered = {
        str(r["id"])
        for r in await pool.fetch(
            "SELECT id FROM notify.deliveries WHERE channel = 'webhook' AND status = 'delivered'"
        )
    }
    ids = Counter(h.get("webhook-id") for h in receipts)
    check = Check("every webhook delivered reached the receiver, under one id", len(delivered))
    check.lost = len(delivered - set(ids))
    resent = sum(n - 1 for n in ids.values() if n > 1)
    if resent:
        check.name += f" ({resent} sent again under the same id after a lost answer)"
    return check


async def sla_fired_once(pool: asyncpg.Pool) -> Check:
    fired = await pool.fetch(
        "SELECT stream_id, data->>'clock' AS clock, data->>'cycle' AS cycle, event_type, "
        "data->>'fraction' AS fraction, count(*) AS n FROM eventstore.events "
        "WHERE event_type IN ('SlaWarningReached', 'SlaBreached') GROUP BY 1, 2, 3, 4, 5"
    )
    check = Check("every SLA threshold that fell due fired exactly once", len(fired))
    check.duplicated = sum(r["n"] - 1 for r in fired)
    overdue = await pool.fetchval(
        "SELECT count(*) FROM sla.timers WHERE fired_at IS NULL AND due_at < now() - interval '5 s'"
    )
    if overdue:
        check.lost += overdue
        check.problems.append(f"{overdue} thresholds fell due and did not fire")
    return check


async def poison_parked(pool: asyncpg.Pool, poison: list[bytes]) -> Check:
    check = Check("every poison message is parked with its reason; nothing else is", len(poison))
    rows = await pool.fetch("SELECT payload, error FROM consumers.dead_letters")
    for value in poison:
        if not any(r["payload"] == value and r["error"] for r in rows):
            check.lost += 1
            check.problems.append(f"poison {value[:20]!r} not parked")
    others = [r for r in rows if r["payload"] not in poison]
    if others:
        check.problems.append(f"{len(others)} real messages parked: {others[0]['error'][:200]}")
    return check


async def nothing_stuck(pool: asyncpg.Pool) -> Check:
    check = Check("nothing stuck: outbox relayed, deliveries finished", 2)
    behind, _ = await outbox.backlog(pool)
    pending = await pool.fetchval("SELECT count(*) FROM notify.deliveries WHERE status = 'pending'")
    if behind:
        check.problems.append(f"outbox: {behind} events not relayed")
    if pending:
        check.problems.append(f"notify: {pending} deliveries still pending")
    return check
