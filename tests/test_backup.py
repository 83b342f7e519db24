"""The backup job and the restore procedure of docs/operations.md, on the embedded PostgreSQL:
deploy/backup/backup.sh writes a whole dump (and keeps only the newest), pg_restore puts it
into an empty database, and every stream is there, event for event."""

import asyncio
import os
import subprocess
from pathlib import Path
from urllib.parse import urlparse
from uuid import uuid4

import asyncpg

from complaint_desk.contract.events import Metadata
from complaint_desk.contract.events.problems import ProblemOpened, ProblemOrigin, RootCauseRecorded
from complaint_desk.shared import eventstore
from complaint_desk.shared.tests.events import NoteAdded
from complaint_desk.tools.devstack.postgres import POSTGRES_BIN_PATH
from conftest import PostgresHandle

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "deploy" / "backup" / "backup.sh"
EVENTS = (
    "SELECT stream_type, stream_id, version, event_type, schema_version, data::text,"
    " occurred_at, site_id, actor FROM eventstore.events ORDER BY stream_type, stream_id, version"
)


def pg_env(url: str, **more: str) -> dict[str, str]:
    parts = urlparse(url)
    return {
        **os.environ, "PATH": f"{POSTGRES_BIN_PATH}:{os.environ['PATH']}",
        "PGHOST": parts.hostname or "127.0.0.1", "PGPORT": str(parts.port or 5432),
        "PGUSER": parts.username or "postgres", "PGDATABASE": parts.path.lstrip("/"), **more,
    }  # fmt: skip


async def run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run, argv, env=env, capture_output=True, text=True, timeout=120
    )


async def some_streams(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        for n in range(5):
            await eventstore.append(
                conn, uuid4(), [NoteAdded(text=f"第 {n} 則"), NoteAdded(text="again")],
                Metadata(site_id="BK", actor="officer"), expected_version=0,
            )  # fmt: skip
            await eventstore.append(
                conn, uuid4(),
                [ProblemOpened(site="BK", title="飲水機", origin=ProblemOrigin.MANUAL),
                 RootCauseRecorded(analysis="濾心")],
                Metadata(site_id="BK", actor="supervisor"), expected_version=0,
            )  # fmt: skip
        return int(await conn.fetchval("SELECT count(*) FROM eventstore.events"))
    finally:
        await conn.close()


async def test_a_backup_restores_every_stream(postgres: PostgresHandle, tmp_path: Path) -> None:
    source = await postgres.create_database("backup")
    count = await some_streams(source)
    assert count >= 20
    older = tmp_path / "desk-20000101T000000Z.dump"
    older.write_bytes(b"an old dump")
    done = await run(
        ["sh", str(SCRIPT)], pg_env(source, BACKUP_DIR=str(tmp_path), BACKUP_ONCE="1",
                                    BACKUP_KEEP="1"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    left = await asyncio.to_thread(lambda: sorted(p.name for p in tmp_path.iterdir()))
    [dump] = [tmp_path / name for name in left]
    assert dump != older and dump.name.startswith("desk-"), "whole, and only the newest kept"

    target_name = f"restored_{uuid4().hex[:8]}"
    admin = await asyncpg.connect(postgres.admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{target_name}"')
    finally:
        await admin.close()
    target = postgres.database_url(target_name)
    restored = await run(
        ["pg_restore", "--no-owner", "--jobs=2", f"--dbname={target_name}", str(dump)],
        pg_env(target),
    )
    assert restored.returncode == 0, restored.stderr
    before, after = await asyncpg.connect(source), await asyncpg.connect(target)
    try:
        assert await after.fetch(EVENTS) == await before.fetch(EVENTS)
        versions = "SELECT stream_id, max(version) FROM eventstore.events GROUP BY 1 ORDER BY 1"
        assert await after.fetch(versions) == await before.fetch(versions)
        # The log goes on in the restored database: the next version of a stream is appended.
        stream = await after.fetchval(
            "SELECT stream_id FROM eventstore.events WHERE stream_type = 'complaint' LIMIT 1"
        )
        appended = await eventstore.append(
            after, stream, [NoteAdded(text="after the restore")],
            Metadata(site_id="BK", actor="o"), expected_version=2,
        )  # fmt: skip
        assert appended.first_version == 3
    finally:
        await before.close()
        await after.close()
