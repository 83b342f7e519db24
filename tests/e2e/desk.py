"""A small client for the duty desk's HTTP API and the other systems' Kafka topics."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from conftest import eventually
from tests.credentials import Signer

from .helpers import complaint


def later(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


class Desk:
    def __init__(self, client: httpx.AsyncClient, intake: str, projections: str) -> None:
        self.client, self.intake, self.projections = client, intake, projections

    async def receive(self, **fields: Any) -> dict[str, Any]:
        r = await self.client.post(f"{self.intake}/complaints", json=complaint(**fields))
        assert r.status_code == 201, r.text
        return r.json()

    async def act(
        self, complaint_id: str, command: str, expect: int = 200, **body: Any
    ) -> dict[str, Any]:
        body.setdefault("actor", "officer-wang")
        r = await self.client.post(f"{self.intake}/complaints/{complaint_id}/{command}", json=body)
        assert r.status_code == expect, f"{command}: {r.status_code} {r.text}"
        return r.json()

    async def history(self, complaint_id: str, after: int | None = None) -> list[dict[str, Any]]:
        """The complaint's timeline; with ``after`` (a command's position), one that reflects
        that command."""
        return (await self.register_row(complaint_id, after))["history"]

    async def wait_for(self, complaint_id: str, event_type: str, count: int = 1) -> list[dict]:
        async def seen() -> list[dict[str, Any]] | None:
            history = await self.seen(complaint_id) or []
            found = [h for h in history if h["event_type"] == event_type]
            return found if len(found) >= count else None

        found = await eventually(seen, within=30)
        assert found, f"{event_type} never reached projections"
        return found

    async def register_row(self, complaint_id: str, after: int | None = None) -> dict[str, Any]:
        """The complaint as the register has it, after ``after`` when given."""
        params = {"after": after} if after else None
        r = await self.client.get(f"{self.projections}/complaints/{complaint_id}", params=params)
        assert r.status_code == 200, r.text
        return r.json()

    async def staff(self, notify: str, site: str, role: str) -> str:
        """Put a new email address in notify's directory for ``role`` at ``site``; returns it."""
        address = f"{role.replace(':', '-').lower()}-{site.lower()}@example.org"
        r = await self.client.put(
            f"{notify}/directory/{site}/{role}", json={"channel": "email", "destination": address}
        )
        assert r.status_code == 200, r.text
        return address

    async def seen(self, complaint_id: str) -> list[dict[str, Any]] | None:
        """The timeline once the register has the complaint at all, else None (for polling
        on effects that no command of ours caused)."""
        r = await self.client.get(f"{self.projections}/complaints/{complaint_id}")
        return r.json()["history"] if r.status_code == 200 else None


class OtherSystem:
    """Maintenance or procurement on the other side of Kafka."""

    def __init__(
        self,
        bootstrap: str,
        requests_topic: str,
        updates_topic: str,
        signer: Signer | None,
        **connection: Any,  # e.g. its SASL principal on a secured cluster
    ) -> None:
        self.bootstrap, self.signer = bootstrap, signer
        self.requests_topic, self.updates_topic = requests_topic, updates_topic
        self.producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **connection)
        self.consumer = AIOKafkaConsumer(
            requests_topic,
            bootstrap_servers=bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            **connection,
        )
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []

    async def __aenter__(self) -> "OtherSystem":
        await self.producer.start()
        await self.consumer.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.consumer.stop()
        await self.producer.stop()

    async def request_for(self, task_id: str) -> tuple[dict[str, str], dict[str, Any]]:
        async def arrived() -> tuple[dict[str, str], dict[str, Any]] | None:
            for records in (await self.consumer.getmany(timeout_ms=300)).values():
                for r in records:
                    self.requests.append(
                        ({k: v.decode() for k, v in r.headers}, json.loads(r.value))
                    )
            return next((q for q in self.requests if q[1].get("task_id") == task_id), None)

        found = await eventually(arrived, within=30)
        assert found, f"no request for task {task_id} on {self.requests_topic}"
        return found

    async def send(self, complaint_id: str | None, task_id: str, status: str, **extra: Any) -> str:
        """An update on a task (``complaint_id`` None: named by its task alone), keyed by
        the task so that one task's updates stay in order."""
        message_id = extra.pop("message_id", None) or str(uuid4())
        body = {
            "message_id": message_id,
            "complaint_id": complaint_id,
            "task_id": task_id,
            "status": status,
            "occurred_at": datetime.now(UTC).isoformat(),
            **extra,
        }
        await self.send_raw(json.dumps(body).encode(), key=task_id.encode())
        return message_id

    async def send_raw(self, value: bytes, key: bytes = b"x") -> None:
        headers = self.signer.headers(self.updates_topic, value) if self.signer else None
        await self.producer.send_and_wait(self.updates_topic, value, key=key, headers=headers)
