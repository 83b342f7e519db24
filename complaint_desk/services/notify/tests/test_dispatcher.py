"""The delivery queue against the real database and real receivers."""

import asyncio
import contextlib
import os
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import pytest

from complaint_desk.contract.events import EventEnvelope, Metadata, utcnow
from complaint_desk.contract.events.complaints import SafetyEscalated
from complaint_desk.services.notify.api import new_secret
from complaint_desk.services.notify.app import channels_for, http_client
from complaint_desk.services.notify.channels import Channel, Message
from complaint_desk.services.notify.dispatcher import Dispatcher
from complaint_desk.services.notify.domain import Kind, Outgoing
from complaint_desk.services.notify.projectors import NotificationRules
from complaint_desk.services.notify.repository import Q, claim_deliveries, queue
from complaint_desk.services.notify.settings import NotifySettings
from complaint_desk.shared import eventstore
from complaint_desk.shared.privacy.keys import KeyRing
from complaint_desk.shared.uow import UnitOfWork
from tests.receivers import HttpSink, SmtpSink

RING = KeyRing(os.urandom(32))


class Clock:
    """Real time, moved forward by the test."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return utcnow() + self.offset


class AtOnce:
    """A real channel, with the most sends it had under way at once to each destination."""

    def __init__(self, channel: Channel) -> None:
        self.channel, self.name = channel, channel.name
        self.sending: Counter[str] = Counter()
        self.most: Counter[str] = Counter()
        self._changed = asyncio.Condition()

    async def under_way(self, destination: str, sends: int) -> None:
        """Returns once ``sends`` sends to ``destination`` are under way at once."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.sending[destination] >= sends)

    async def send(self, message: Message) -> None:
        self.sending[message.destination] += 1
        self.most[message.destination] = max(
            self.most[message.destination], self.sending[message.destination]
        )
        async with self._changed:
            self._changed.notify_all()
        try:
            await self.channel.send(message)
        finally:
            self.sending[message.destination] -= 1


@pytest.fixture
def settings(http_sink: HttpSink, smtp_sink: SmtpSink) -> NotifySettings:
    return NotifySettings(
        allow_loopback=True, sms_gateway_url=http_sink.sms_url, smtp_port=smtp_sink.port,
        backoff_seconds=[60, 120], send_timeout_seconds=1.0, sms_daily_cap=2,
        email_daily_cap=2, per_destination_limit=2,
    )  # fmt: skip


@pytest.fixture
async def dispatcher(pool: asyncpg.Pool, settings: NotifySettings) -> AsyncIterator[Dispatcher]:
    async with http_client(settings) as client:
        yield Dispatcher(
            UnitOfWork(pool), channels_for(settings, client), settings, Clock(), keyring=RING
        )


async def _queue(
    pool: asyncpg.Pool,
    channel: str,
    destination: str,
    *,
    key: str | None = None,
    subscription: UUID | None = None,
    complaint: UUID | None = None,
) -> UUID:
    complaint = complaint or uuid4()
    async with pool.acquire() as conn, conn.transaction():
        events = await queue(conn, complaint, "HQ", [Outgoing(
            dedupe_key=key or str(uuid4()), channel=channel, destination=destination,
            recipient="test", kind=Kind.EVENT, subject="主旨", body="內容", payload={"id": "1"},
            not_before=utcnow(), subscription_id=subscription,
        )])  # fmt: skip
        if events:
            await eventstore.append(conn, complaint, events, Metadata(site_id="HQ", actor="t"),
                                    expected_version=None)  # fmt: skip
    return complaint


async def _run(dispatcher: Dispatcher) -> None:
    await dispatcher.run_until_idle()


async def _timeline(pool: asyncpg.Pool, complaint: UUID) -> list[str]:
    return [e.event_type for e in await eventstore.read_stream(pool, "notification", complaint)]


async def test_a_webhook_is_delivered_once_and_recorded(
    pool: asyncpg.Pool, dispatcher: Dispatcher, http_sink: HttpSink
) -> None:
    complaint = await _queue(pool, "webhook", http_sink.url("once"), key="same-event:same-endpoint")
    await _queue(
        pool, "webhook", http_sink.url("once"), key="same-event:same-endpoint", complaint=complaint
    )
    await _run(dispatcher)
    await _run(dispatcher)
    assert len(http_sink.for_hook("once")) == 1
    assert await _timeline(pool, complaint) == ["NotificationQueued", "NotificationDelivered"]


async def test_failures_back_off_then_dead_letter_and_can_be_replayed(
    pool: asyncpg.Pool, dispatcher: Dispatcher, http_sink: HttpSink
) -> None:
    http_sink.behaviors["down"] = "fail"
    complaint = await _queue(pool, "webhook", http_sink.url("down"))
    clock = dispatcher.clock
    assert isinstance(clock, Clock)
    await _run(dispatcher)
    await _run(dispatcher)  # not due yet: backing off
    assert await _timeline(pool, complaint) == ["NotificationQueued", "NotificationFailed"]
    clock.offset += timedelta(minutes=2)
    await _run(dispatcher)
    clock.offset += timedelta(minutes=3)
    await _run(dispatcher)
    events = await eventstore.read_stream(pool, "notification", complaint)
    assert [e.event_type for e in events] == [
        "NotificationQueued",
        "NotificationFailed",
        "NotificationFailed",
        "NotificationDeadLettered",
    ]
    assert events[-1].data["attempts"] == 3 and "HTTP 500" in events[-1].data["error"]
    delivery = events[0].data["delivery_id"]
    http_sink.behaviors["down"] = "ok"
    assert await pool.fetchval(Q.replay, UUID(delivery), clock(), None) is not None
    await _run(dispatcher)
    assert (await _timeline(pool, complaint))[-1] == "NotificationDelivered"


async def test_410_gone_disables_the_subscription(
    pool: asyncpg.Pool, dispatcher: Dispatcher, http_sink: HttpSink
) -> None:
    http_sink.behaviors["gone"] = "gone"
    subscription = uuid4()
    await pool.execute(Q.insert_subscription, subscription, "old", "*", ["*"], "webhook",
                       http_sink.url("gone"), [new_secret()], True)  # fmt: skip
    complaint = await _queue(pool, "webhook", http_sink.url("gone"), subscription=subscription)
    await _run(dispatcher)
    row = await pool.fetchrow(Q.subscription, subscription)
    assert row is not None
    assert row["enabled"] is False and "410" in row["disabled_reason"]
    assert (await _timeline(pool, complaint))[-1] == "NotificationDeadLettered"


async def test_one_slow_endpoint_never_delays_the_others(
    pool: asyncpg.Pool, dispatcher: Dispatcher, http_sink: HttpSink
) -> None:
    http_sink.behaviors["slow"] = "slow"
    webhooks = dispatcher.channels["webhook"] = AtOnce(dispatcher.channels["webhook"])
    slow = [await _queue(pool, "webhook", http_sink.url("slow")) for _ in range(5)]
    healthy = [await _queue(pool, "webhook", http_sink.url(f"fast{i % 3}")) for i in range(12)]
    finished: list[UUID] = []

    async def watch(complaint: UUID) -> None:
        while (await _timeline(pool, complaint))[-1] == "NotificationQueued":  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        finished.append(complaint)

    watchers = [asyncio.create_task(watch(c)) for c in slow + healthy]
    await _run(dispatcher)
    await asyncio.gather(*watchers)
    assert set(finished[: len(healthy)]) == set(healthy), "every healthy delivery finished first"
    last = {c: (await _timeline(pool, c))[-1] for c in slow + healthy}
    assert {last[c] for c in healthy} == {"NotificationDelivered"}
    assert {last[c] for c in slow} == {"NotificationFailed"}, "timed out, to be retried"
    # Five to an endpoint that never answers in time: sent two at a time, the limit.
    assert webhooks.most[http_sink.url("slow")] == dispatcher.settings.per_destination_limit == 2


async def test_stopping_gives_back_what_no_send_has_started(
    pool: asyncpg.Pool, dispatcher: Dispatcher, http_sink: HttpSink
) -> None:
    http_sink.behaviors["held"] = "slow"
    webhooks = dispatcher.channels["webhook"] = AtOnce(dispatcher.channels["webhook"])
    complaints = [await _queue(pool, "webhook", http_sink.url("held")) for _ in range(5)]
    ids = await pool.fetch(
        "SELECT id FROM notify.deliveries WHERE destination = $1", http_sink.url("held")
    )
    held = [r["id"] for r in ids]
    running = asyncio.create_task(dispatcher.run())
    # Sends start only after the claim, which took all five: two sending, three waiting.
    await webhooks.under_way(http_sink.url("held"), 2)
    running.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running
    rows = await pool.fetch(
        "SELECT lease_until IS NOT NULL AS leased, attempts FROM notify.deliveries"
        " WHERE id = ANY($1)",
        held,
    )
    # Two were being sent (the limit) and keep their leases; three go back, not attempted.
    assert sorted((r["leased"], r["attempts"]) for r in rows) == [(False, 0)] * 3 + [(True, 1)] * 2
    await dispatcher.drain()
    last = [(await _timeline(pool, c))[-1] for c in complaints]
    assert sorted(last).count("NotificationFailed") == 2, "the two sent timed out, to retry"


async def test_a_claim_keeps_each_destination_within_its_limit(pool: asyncpg.Pool) -> None:
    now = utcnow()
    first, second = f"https://{uuid4().hex}.example/a", f"https://{uuid4().hex}.example/b"
    for _ in range(5):
        await _queue(pool, "webhook", first)
        await _queue(pool, "webhook", second)
    lease = now + timedelta(minutes=1)
    mine = [first, second]
    async with pool.acquire() as conn:
        undo = conn.transaction()
        await undo.start()  # rolled back: the claims and the hiding of other tests' deliveries
        await conn.execute(
            "UPDATE notify.deliveries SET next_attempt_at = 'infinity'"
            " WHERE status = 'pending' AND destination <> ALL($1::text[])",
            mine,
        )

        async def claim(sending: dict[str, int]) -> list[str]:
            rows = await claim_deliveries(conn, utcnow(), lease, 10, sending, 3)
            return [r["destination"] for r in rows]

        try:
            # One is being sent to the first already: two more to it, three to the second.
            assert Counter(await claim({first: 1})) == {first: 2, second: 3}
            # The first at its limit is passed over; the second has but two left.
            assert await claim({first: 3, second: 1}) == [second] * 2
            assert await claim({}) == [first] * 3, "the rest, up to the limit"
        finally:
            await undo.rollback()


async def test_a_daily_sms_cap_per_recipient(
    pool: asyncpg.Pool, dispatcher: Dispatcher, http_sink: HttpSink
) -> None:
    phone = f"+8869{uuid4().int % 10**8:08d}"
    complaints = [await _queue(pool, "sms", phone) for _ in range(3)]
    for _ in complaints:  # one at a time, so the cap is counted in order
        await _run(dispatcher)
    outcomes = [(await _timeline(pool, c))[-1] for c in complaints]
    assert sorted(outcomes) == [
        "NotificationDeadLettered",
        "NotificationDelivered",
        "NotificationDelivered",
    ]
    assert len([s for s in http_sink.sms if s["to"] == phone]) == 2


async def test_a_daily_email_cap_per_recipient_and_one_for_the_organisation(
    pool: asyncpg.Pool, settings: NotifySettings, smtp_sink: SmtpSink
) -> None:
    address = f"cap-{uuid4().hex[:8]}@example.org"
    complaints = [await _queue(pool, "email", address) for _ in range(3)]
    async with http_client(settings) as client:
        dispatcher = Dispatcher(UnitOfWork(pool), channels_for(settings, client), settings)
        for _ in complaints:
            await _run(dispatcher)
    outcomes = sorted([(await _timeline(pool, c))[-1] for c in complaints])
    assert outcomes == [
        "NotificationDeadLettered",
        "NotificationDelivered",
        "NotificationDelivered",
    ]
    assert len([m for m in smtp_sink.messages if m["To"] == address]) == 2
    tight = settings.model_copy(update={"email_daily_total_cap": 0})
    other = await _queue(pool, "email", f"other-{uuid4().hex[:8]}@example.org")
    async with http_client(tight) as client:
        await _run(Dispatcher(UnitOfWork(pool), channels_for(tight, client), tight))
    dead = await pool.fetchval("SELECT last_error FROM notify.deliveries WHERE complaint_id = $1",
                               other)  # fmt: skip
    assert "for the organisation" in dead


async def test_a_complainants_sealed_phone_is_revealed_to_send_and_erased_is_never_sent(
    pool: asyncpg.Pool, dispatcher: Dispatcher, http_sink: HttpSink
) -> None:
    digits = f"9{uuid4().int % 10**8:08d}"
    async with pool.acquire() as conn:
        person = await RING.sealer_for(conn, [f"phone-{digits}"])
        sealed = person(f"+886{digits}")
    assert sealed is not None and digits not in sealed
    sent = await _queue(pool, "sms", sealed)
    await _run(dispatcher)
    assert (await _timeline(pool, sent))[-1] == "NotificationDelivered"
    assert [s["to"] for s in http_sink.sms if digits in s["to"]] == [f"+886{digits}"]
    async with pool.acquire() as conn:
        await RING.erase(conn, person.subject)
    late = await _queue(pool, "sms", sealed)
    await _run(dispatcher)
    assert (await _timeline(pool, late))[-1] == "NotificationDeadLettered"
    error = await pool.fetchval(
        "SELECT last_error FROM notify.deliveries WHERE complaint_id = $1", late
    )
    assert "erased" in error
    assert len([s for s in http_sink.sms if digits in s["to"]]) == 1


async def test_the_same_event_to_the_same_endpoint_is_queued_once(
    pool: asyncpg.Pool, settings: NotifySettings, http_sink: HttpSink
) -> None:
    site = f"S{uuid4().hex[:5].upper()}"
    await pool.execute(Q.insert_subscription, uuid4(), "ops", site, ["SafetyEscalated"], "webhook",
                       http_sink.url("sub"), [new_secret()], True)  # fmt: skip
    event = EventEnvelope.wrap(SafetyEscalated(reason="smoke"), stream_id=uuid4(), version=2,
                               metadata=Metadata(site_id=site, actor="o"))  # fmt: skip
    rules = NotificationRules(settings)
    for _ in range(2):  # a redelivery the consumer's dedupe missed still queues nothing new
        async with pool.acquire() as conn, conn.transaction():
            await rules.apply(conn, event)
    rows = await pool.fetch("SELECT id FROM notify.deliveries WHERE site = $1", site)
    assert len(rows) == 1


async def _dead(pool: asyncpg.Pool, complaint: UUID) -> asyncpg.Record:
    row = await pool.fetchrow(
        "SELECT status, attempts, last_error FROM notify.deliveries WHERE complaint_id = $1",
        complaint,
    )
    assert row is not None
    return row


async def test_a_refused_recipient_is_dead_and_the_error_holds_no_address(
    pool: asyncpg.Pool, dispatcher: Dispatcher, smtp_sink: SmtpSink
) -> None:
    address = f"refused-{uuid4().hex[:6]}@example.org"
    complaint = await _queue(pool, "email", address)
    await _run(dispatcher)
    row = await _dead(pool, complaint)
    assert row["status"] == "dead" and "550" in row["last_error"]
    assert "Recipient address rejected" in row["last_error"], "the reason stays"
    events = await eventstore.read_stream(pool, "notification", complaint)
    recorded = " ".join([row["last_error"], *(str(e.data) for e in events)])
    assert address not in recorded and address.split("@")[0] not in recorded


@pytest.mark.parametrize(
    ("channel", "destination"),
    [("email", "chen@example.org\r\nBcc: all@example.org"), ("email", "not an address"),
     ("sms", "call me maybe")],
)  # fmt: skip
async def test_an_undeliverable_destination_is_dead_at_once_with_its_true_reason(
    pool: asyncpg.Pool, dispatcher: Dispatcher, channel: str, destination: str
) -> None:
    complaint = await _queue(pool, channel, destination)
    await _run(dispatcher)
    row = await _dead(pool, complaint)
    assert row["status"] == "dead" and row["attempts"] <= 1
    assert row["last_error"].startswith("undeliverable destination"), row["last_error"]
    counted = await pool.fetchval(
        "SELECT count(*) FROM notify.daily_sends WHERE destination = $1", destination
    )
    assert counted == 0, "no daily cap was used up"
