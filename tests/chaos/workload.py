"""A multi-site workload of full lifecycles, written as a careful client would: every write
has its own identity, is retried through faults, and is counted only once acknowledged."""

import asyncio
import contextlib
import json
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer

from complaint_desk.contract import topics
from tests.credentials import ADMIN, Signer, integration

SITES = ("HQ", "NB", "SB", "EA", "WE", "KH")
CATEGORIES = ("repair_delay", "shortage", "service_attitude", "hygiene", "safety", "other")
SEVERITIES = ("L1", "L2", "L3")
# The first event each command records: how an unanswered attempt is recognised as done.
FIRST_EVENT = {
    "acknowledge": "ComplaintAcknowledged",
    "classify": "ComplaintClassified",
    "tasks": "TaskAssigned",
    "resolve": "ComplaintResolved",
    "callbacks": "CallbackRecorded",
    "review/conclude": "ReviewConcluded",
    "close": "ComplaintClosed",
}


@dataclass(frozen=True)
class Ack:
    """A command the system acknowledged: these events must be in the store."""

    complaint_id: uuid.UUID
    command: str
    version: int
    events: tuple[str, ...]


@dataclass
class Tally:
    acks: list[Ack] = field(default_factory=list)
    retries: int = 0
    ambiguous: int = 0  # an attempt whose answer was lost, found done in the log
    integration_messages: int = 0
    duplicates_sent: int = 0
    reordered: int = 0
    resent: int = 0
    completed: int = 0


class Workload:
    def __init__(
        self, intake: str, database_url: str, bootstrap: str, run: str, seed: int = 7
    ) -> None:
        self.intake, self.database_url, self.bootstrap, self.run = (
            intake, database_url, bootstrap, run,
        )  # fmt: skip
        self.rng = random.Random(seed)
        self.tally = Tally()
        self.client = httpx.AsyncClient(timeout=10, headers=ADMIN)
        self.producer: AIOKafkaProducer | None = None
        self.pool: asyncpg.Pool | None = None
        self.signers: dict[str, Signer] = {}

    async def __aenter__(self) -> "Workload":
        self.pool = await asyncpg.create_pool(self.database_url, min_size=0, max_size=4)
        self.signers = {
            topics.WORK_ORDER_UPDATES: await integration(
                self.database_url, "maintenance-system", event_types=["WorkOrderUpdate"]
            ),
            topics.PURCHASE_UPDATES: await integration(
                self.database_url, "procurement-system", event_types=["PurchaseUpdate"]
            ),
        }
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.client.aclose()
        if self.producer is not None:
            await self.producer.stop()
        if self.pool is not None:
            await self.pool.close()

    # -- writes, retried through faults --------------------------------------------------------

    async def _db(self, query: str, *args: Any) -> list[asyncpg.Record]:
        assert self.pool is not None
        for _ in range(240):
            try:
                return await self.pool.fetch(query, *args, timeout=10)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                self.tally.retries += 1
                await asyncio.sleep(0.5)  # PostgreSQL restarting
        raise TimeoutError("PostgreSQL did not come back")

    async def _post(
        self, path: str, body: dict[str, Any], headers: dict[str, str]
    ) -> httpx.Response | None:
        """Intake's answer, or None when there was none (down, or a 5xx): try again."""
        try:
            response = await self.client.post(f"{self.intake}{path}", json=body, headers=headers)
        except httpx.HTTPError:
            return None
        return None if response.status_code >= 500 else response

    async def receive(self, n: int) -> uuid.UUID:
        body = {
            "complainant_name": f"投訴人{n % 17}", "department": "總務",
            "phone": f"09{(n * 7919) % 10**8:08d}", "site": SITES[n % len(SITES)],
            "location": f"{n % 5}F 茶水間", "category": CATEGORIES[n % len(CATEGORIES)],
            "description": f"chaos {self.run} #{n}", "urgency": ("normal", "high", "low")[n % 3],
            "channel": "phone", "receiving_officer": f"officer-{n % 4}",
        }  # fmt: skip
        key = {"Idempotency-Key": f"chaos-{self.run}-{n}"}
        for _ in range(600):
            response = await self._post("/complaints", body, key)
            if response is not None and response.status_code in (200, 201):
                answer = response.json()
                complaint = uuid.UUID(answer["id"])
                self.tally.acks.append(
                    Ack(complaint, "receive", answer["version"], tuple(answer["events"]))
                )
                return complaint
            if response is not None:
                raise AssertionError(f"receive refused: {response.status_code} {response.text}")
            self.tally.retries += 1
            await asyncio.sleep(0.5)
        raise TimeoutError("intake never took the complaint")

    async def command(
        self, complaint: uuid.UUID, name: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """Send a command with the version last seen (If-Match); on a lost answer or a
        conflict, look in the log whether it took effect, else try again on the new version."""
        body = {"actor": "chaos", **body}
        for _ in range(600):
            version = await self._version(complaint)
            response = await self._post(
                f"/complaints/{complaint}/{name}", body, {"If-Match": f'"{version}"'}
            )
            if response is not None and response.status_code == 200:
                answer = response.json()
                self.tally.acks.append(
                    Ack(complaint, name, answer["version"], tuple(answer["events"]))
                )
                return dict(answer)
            if response is not None and response.status_code != 409:
                raise AssertionError(f"{name} refused: {response.status_code} {response.text}")
            done = await self._done_after(complaint, version, name)
            if done is not None:
                self.tally.ambiguous += 1
                return done
            if response is not None and response.json()["error"]["code"] != "version_conflict":
                raise AssertionError(f"{name} refused: {response.text}")
            self.tally.retries += 1
            await asyncio.sleep(0.3)
        raise TimeoutError(f"{name} never went through")

    async def _version(self, complaint: uuid.UUID) -> int:
        rows = await self._db(
            "SELECT max(version) AS v FROM eventstore.events "
            "WHERE stream_type = 'complaint' AND stream_id = $1",
            complaint,
        )
        return int(rows[0]["v"] or 0)

    async def _done_after(
        self, complaint: uuid.UUID, version: int, name: str
    ) -> dict[str, Any] | None:
        rows = await self._db(
            "SELECT event_type, data::text AS data FROM eventstore.events "
            "WHERE stream_type = 'complaint' AND stream_id = $1 AND version > $2 ORDER BY version",
            complaint,
            version,
        )
        for row in rows:
            if row["event_type"] == FIRST_EVENT[name]:
                data = json.loads(row["data"])
                return {"created_id": data.get("task_id")}
        return None

    # -- the other systems ---------------------------------------------------------------------

    async def reply(self, complaint: uuid.UUID, task: str, kind: str) -> None:
        """Maintenance or procurement answers: progress then completion, sometimes
        duplicated, sometimes out of order."""
        if kind == "maintenance":
            topic, steps = topics.WORK_ORDER_UPDATES, ["accepted", "in_progress", "completed"]
        else:
            topic, steps = topics.PURCHASE_UPDATES, ["ordered", "delivered"]
        now = datetime.now(UTC)
        messages = [
            {"message_id": f"{task}-{status}", "complaint_id": str(complaint), "task_id": task,
             "status": status, "occurred_at": (now + timedelta(seconds=i)).isoformat()}
            for i, status in enumerate(steps)
        ]  # fmt: skip
        if self.rng.random() < 0.3:
            messages.reverse()
            self.tally.reordered += 1
        if self.rng.random() < 0.3:
            messages.append(messages[self.rng.randrange(len(messages))])
            self.tally.duplicates_sent += 1
        for message in messages:
            await self._send(topic, json.dumps(message).encode(), str(complaint).encode())
            self.tally.integration_messages += 1

    async def reconnect(self) -> None:
        """The next message goes through a producer of its own."""
        producer, self.producer = self.producer, None
        if producer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(producer.stop(), 10)

    async def _send(self, topic: str, value: bytes, key: bytes) -> None:
        for _ in range(600):
            try:
                # Bounded: a producer can wait forever on a broker that came back empty.
                if self.producer is None:
                    self.producer = AIOKafkaProducer(
                        bootstrap_servers=self.bootstrap, request_timeout_ms=10_000
                    )
                    await asyncio.wait_for(self.producer.start(), 15)
                signer = self.signers.get(topic)
                headers = signer.headers(topic, value) if signer else None
                await asyncio.wait_for(
                    self.producer.send_and_wait(topic, value, key=key, headers=headers), 15
                )
                return
            except Exception:
                await self.reconnect()
                await asyncio.sleep(0.5)
        raise TimeoutError(f"could not send to {topic}")

    async def poison(self) -> list[bytes]:
        """Records no consumer can use, on the topics the services read."""
        bad = [
            (topics.WORK_ORDER_UPDATES, b"{not json"),
            (topics.PURCHASE_UPDATES, json.dumps({"message_id": "x", "status": "??"}).encode()),
            (topics.COMPLAINT_EVENTS, b"\x00\x01 garbage without headers"),
        ]
        for topic, value in bad:
            await self._send(topic, value, b"poison")
        return [value for _, value in bad]

    async def task_done(self, complaint: uuid.UUID, task: str, within: float = 180) -> bool:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            rows = await self._db(
                "SELECT 1 FROM eventstore.events WHERE stream_type = 'complaint' "
                "AND stream_id = $1 AND event_type = 'TaskCompleted' AND data->>'task_id' = $2",
                complaint,
                task,
            )
            if rows:
                return True
            await asyncio.sleep(0.3)
        return False

    # -- a whole lifecycle ---------------------------------------------------------------------

    async def lifecycle(self, n: int) -> None:
        complaint = await self.receive(n)
        await self.command(complaint, "acknowledge", {"channel": "phone"})
        await self.command(
            complaint, "classify",
            {"responsibility": "logistics", "severity": SEVERITIES[n % 3]},
        )  # fmt: skip
        kind = "maintenance" if n % 2 else "procurement"
        due = (datetime.now(UTC) + timedelta(days=2)).isoformat()
        assigned = await self.command(
            complaint, "tasks",
            {"assignee_kind": kind, "assignee": kind, "description": f"task {n}", "due_at": due},
        )  # fmt: skip
        task = str(assigned["created_id"])
        await self.reply(complaint, task, kind)
        # The other system sends again (same message ids) until it sees the effect: an
        # emptied broker loses what was in flight.
        for _ in range(12):
            if await self.task_done(complaint, task, within=10):
                break
            self.tally.resent += 1
            # Over a new connection: the embedded broker, restarted empty, acks what old
            # connections write without keeping it (STACK-NOTES), which real Kafka never does.
            await self.reconnect()
            await self.reply(complaint, task, kind)
        else:
            raise AssertionError(f"task {task} of {complaint} never completed")
        await self.command(complaint, "resolve", {"summary": "done"})
        satisfied = n % 4 != 3
        await self.command(complaint, "callbacks", {"channel": "phone", "satisfied": satisfied})
        if not satisfied:  # a review opens; the supervisor upholds the resolution
            await self.command(complaint, "review/conclude", {"outcome": "upheld", "notes": "ok"})
        await self.command(complaint, "close", {})
        self.tally.completed += 1
