from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg

from shared.db import Connection
from shared.queries import load

Q = load(Path(__file__).parent / "sql" / "queries.sql")


async def insert_complaint(
    conn: Connection,
    complaint_id: UUID,
    site: str,
    level: str,
    received_at: datetime,
    response_due_at: datetime,
) -> None:
    await conn.execute(Q.insert_complaint, complaint_id, site, level, received_at, response_due_at)


async def get_complaint(pool: asyncpg.Pool, complaint_id: UUID) -> dict[str, Any] | None:
    row = await pool.fetchrow(Q.get_complaint, complaint_id)
    return dict(row) if row else None
