from typing import Any
from uuid import uuid4

import httpx
from aiokafka.admin import AIOKafkaAdminClient

from conftest import eventually


def complaint(**overrides: Any) -> dict[str, Any]:
    """A valid complaint; each from its own phone and place unless told otherwise, so that
    only tests about repeats see RepeatComplaintDetected."""
    body = {
        "complainant_name": "陳小明",
        "department": "財務部",
        "phone": f"09{uuid4().int % 10**8:08d}",
        "site": "HQ",
        "location": f"3F 茶水間 {uuid4().hex[:6]}",
        "category": "repair_delay",
        "description": "飲水機故障已一週仍未維修 — water dispenser broken for a week",
        "urgency": "normal",
        "channel": "phone",
        "receiving_officer": "officer-wang",
    }
    body.update(overrides)
    return body


async def post_complaint(client: httpx.AsyncClient, base: str, **overrides: Any) -> dict[str, Any]:
    response = await client.post(f"{base}/complaints", json=complaint(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


async def groups_stable(bootstrap: str, members: dict[str, int]) -> bool:
    """Whether each consumer group is Stable with the number of members given: the
    rebalance onto new replicas is over."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        seen = {}
        for name in members:  # one by one: the embedded broker answers one group at a time
            [response] = await admin.describe_consumer_groups([name])
            seen.update({g[1]: (g[2], len(g[5])) for g in response.groups})
    finally:
        await admin.close()
    return all(seen.get(name) == ("Stable", count) for name, count in members.items())


async def mail_titled(smtp: Any, address: str, subject: str) -> Any:
    """The mail to ``address`` whose subject starts with ``subject``, once it arrived (the
    SMTP sink's message); fails after 60 s, which a first one may need on a starting system."""

    async def arrived() -> Any:
        return next((m for m in smtp.to(address) if m["Subject"].startswith(subject)), None)

    found = await eventually(arrived, within=60)
    assert found is not None, f"no mail '{subject}…' for {address}"
    return found
