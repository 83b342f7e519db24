"""Scale-out on Kafka itself: several replicas of each consumer service share the partitions,
each SLA timer is claimed once, nothing is processed twice, and stopping a replica hands its
partitions over without loss."""

import asyncio
import re
import signal
from uuid import UUID

import asyncpg
import httpx

from complaint_desk.tools.devstack.postgres import free_port
from complaint_desk.tools.devstack.stack import ServiceProcess
from conftest import eventually
from tests.credentials import ADMIN

from .conftest import System
from .helpers import groups_stable, post_complaint

SITE = "SCALE"
FAST_L1 = {"response": {"seconds": 3}, "resolution": {"seconds": 6}, "calendar": "24x7"}
SLOW = {"response": {"hours": 2}, "resolution": {"hours": 8}, "calendar": "24x7"}


def metric(text: str, name: str, **labels: str) -> float:
    """Sum of the samples of ``name`` whose labels include ``labels``."""
    total = 0.0
    for line in text.splitlines():
        match = re.match(rf"^{name}\{{(.*)\}} ([0-9.e+-]+)$", line)
        if match and all(f'{k}="{v}"' in match[1] for k, v in labels.items()):
            total += float(match[2])
    return total


async def scrape(client: httpx.AsyncClient, replica: ServiceProcess) -> str:
    return (await client.get(f"{replica.url}/metrics")).text


async def test_replicas_share_the_work_and_nothing_is_lost_or_doubled(
    system: System, system_db: asyncpg.Pool
) -> None:
    base = system.stack.services
    extra = {
        name: [ServiceProcess(name, free_port(), base[name].env, base[name].log_dir / f"r{i}")
               for i in range(count)]
        for name, count in (("sla", 2), ("notify", 1), ("projections", 1))
    }  # fmt: skip
    replicas = {name: [base[name], *more] for name, more in extra.items()}
    for more in extra.values():
        for process in more:
            process.start()
    for more in extra.values():
        for process in more:
            await asyncio.to_thread(process.wait_healthy)
    # Each service's projectors share one group.
    members = {f"desk.{name}.events": len(replicas[name]) for name in replicas}
    rebalanced = await eventually(
        lambda: groups_stable(system.bootstrap_servers, members), within=60, interval=0.5
    )
    assert rebalanced, "the groups took in the new members"
    async with httpx.AsyncClient(timeout=10, headers=ADMIN) as client:
        policy = {"levels": {"L1": FAST_L1, "L2": SLOW, "L3": SLOW}}
        assert (
            await client.put(f"{base['sla'].url}/policies/{SITE}", json=policy)
        ).status_code == 200
        ids: list[UUID] = []
        for i in range(40):
            created = await post_complaint(
                client, system.url("intake"), site=SITE, category="safety"
            )
            ids.append(UUID(created["id"]))
            if i == 19:
                stopped = replicas["projections"].pop(1)
                stopped.stop(signal.SIGTERM)  # its partitions go to the other replica
            await asyncio.sleep(0.05)

        async def settled() -> bool:
            rows = await system_db.fetchval(
                "SELECT count(*) FROM projections.complaints WHERE id = ANY($1)", ids
            )
            fired = await system_db.fetchval(
                "SELECT count(*) FROM sla.timers"
                " WHERE complaint_id = ANY($1) AND fired_at IS NOT NULL",
                ids,
            )
            return rows == len(ids) and fired == len(ids) * 6

        assert await eventually(settled, within=90), "every complaint and every threshold"

        # Partitions are shared: every live replica consumed events from Kafka itself.
        for name, consumer in (("sla", "sla.clocks"), ("notify", "notify.rules")):
            texts = [await scrape(client, r) for r in replicas[name]]
            from_kafka = [metric(t, "desk_consumer_events_total", consumer=consumer, source="kafka")
                          for t in texts]  # fmt: skip
            assert sum(1 for n in from_kafka if n > 0) >= 2, f"{name}: {from_kafka}"
        survivor = await scrape(client, replicas["projections"][0])
        assert metric(survivor, "desk_consumer_events_total", consumer="projections.register",
                      source="kafka") > 0  # fmt: skip

        # Each timer claimed once, by one replica or another.
        sla_texts = [await scrape(client, r) for r in replicas["sla"]]
        fired_by = [metric(t, "desk_sla_thresholds_fired_total", site=SITE) for t in sla_texts]
        assert sum(fired_by) == len(ids) * 6, fired_by
        assert sum(1 for n in fired_by if n > 0) >= 2, f"claims were shared: {fired_by}"
        events = await system_db.fetch(
            "SELECT stream_id, data->>'clock' AS clock, data->>'fraction' AS f, count(*) AS n"
            " FROM eventstore.events WHERE stream_type = 'sla' AND stream_id = ANY($1)"
            " AND event_type IN ('SlaWarningReached', 'SlaBreached') GROUP BY 1, 2, 3",
            ids,
        )
        assert len(events) == len(ids) * 6 and {e["n"] for e in events} == {1}

        # Nothing processed twice: applied events across the SLA replicas equal the log's.
        in_log = await system_db.fetchval(
            "SELECT count(*) FROM eventstore.events WHERE stream_type = 'complaint'"
        )
        applied = sum(metric(t, "desk_consumer_events_total", consumer="sla.clocks",
                             outcome="applied") for t in sla_texts)  # fmt: skip
        assert applied == in_log
        lagging = await system_db.fetchval(
            "SELECT count(*) FROM consumers.stream_positions p"
            " JOIN (SELECT stream_id, max(version) AS v FROM eventstore.events"
            "       WHERE stream_type = 'complaint' GROUP BY 1) s USING (stream_id)"
            " WHERE p.stream_type = 'complaint' AND p.stream_id = ANY($1) AND p.version <> s.v",
            ids,
        )
        assert lagging == 0
        parked = await system_db.fetch(
            "SELECT consumer, stream_type, stream_id, version, event_type, error"
            " FROM consumers.dead_letters"
        )
        assert [dict(r) for r in parked] == [], "nothing parked"
    for more in extra.values():
        for process in more:
            process.stop()
