"""The baseline's worker: a pgqueuer QueueManager whose job records when it ran."""

import asyncio
import json
import sys
from datetime import UTC, datetime

import asyncpg
from pgqueuer import AsyncpgDriver, Job, PgQueuer


async def main(url: str) -> None:
    conn = await asyncpg.connect(url)
    record = await asyncpg.connect(url)
    pgq = PgQueuer(AsyncpgDriver(conn))

    @pgq.entrypoint("deadline")
    async def deadline(job: Job) -> None:
        due = datetime.fromisoformat(json.loads(job.payload or b"{}")["due_at"])
        await record.execute(
            "INSERT INTO bench_pgq_done (due_at, done_at) VALUES ($1, $2)", due, datetime.now(UTC)
        )

    await pgq.run(batch_size=100)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
