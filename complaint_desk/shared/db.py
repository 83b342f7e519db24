"""PostgreSQL connections and versioned, idempotent schema migrations."""

import hashlib
import logging
import re
from pathlib import Path

import asyncpg
import orjson
from asyncpg.pool import PoolConnectionProxy

# What handlers receive: a connection of their own, or one lent by a pool.
Connection = asyncpg.Connection | PoolConnectionProxy
# Where a read can run: any connection, or the pool itself.
Executor = asyncpg.Connection | PoolConnectionProxy | asyncpg.Pool

log = logging.getLogger(__name__)

SHARED_SQL = Path(__file__).parent / "sql"
_MIGRATION_FILE = re.compile(r"^(\d{4})_(\w+)\.sql$")
_MIGRATIONS_LOCK = 0x6465736B  # "desk": one migrator at a time across every service


def _json_text(value: object) -> str:
    # orjson: several times json.dumps's speed on every event and effect written.
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


async def _init_connection(conn: asyncpg.Connection) -> None:
    for pg_type in ("json", "jsonb"):
        await conn.set_type_codec(
            pg_type, encoder=_json_text, decoder=orjson.loads, schema="pg_catalog"
        )


class PooledConnection(asyncpg.Connection):
    """A pooled connection is given back as it was lent: the desk keeps no session state on
    one (no LISTEN, no session advisory lock, no SET outside a transaction, no cursor after
    its transaction; those live on connections of their own). So its release skips asyncpg's
    reset, a round trip of four statements on every release (an open transaction is still
    rolled back)."""

    def get_reset_query(self) -> str:
        return ""


async def create_pool(url: str, *, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        url, min_size=min_size, max_size=max_size, init=_init_connection,
        connection_class=PooledConnection,
    )  # fmt: skip
    assert pool is not None
    return pool


async def connect(url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(url)
    await _init_connection(conn)
    return conn


def _migration_files(folder: Path) -> list[tuple[int, str, Path]]:
    found = []
    for path in sorted(folder.glob("*.sql")):
        match = _MIGRATION_FILE.match(path.name)
        if match:
            found.append((int(match[1]), match[2], path))
    return found


class MigrationError(RuntimeError):
    pass


async def migrate(conn: Connection, components: dict[str, Path]) -> list[str]:
    """Apply each component's pending ``NNNN_name.sql`` files in order, each in its own
    transaction. Safe to call from every service at start: it takes a lock, skips what is
    applied, and refuses to run if an applied file was edited afterwards."""
    applied_now: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATIONS_LOCK)
    try:
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS public.schema_migrations (
                   component text NOT NULL, version integer NOT NULL, name text NOT NULL,
                   checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
                   PRIMARY KEY (component, version))"""
        )
        for component, folder in components.items():
            rows = await conn.fetch(
                "SELECT version, checksum FROM public.schema_migrations WHERE component = $1",
                component,
            )
            done = {r["version"]: r["checksum"] for r in rows}
            for version, name, path in _migration_files(folder):
                sql = path.read_text(encoding="utf-8")
                checksum = hashlib.sha256(sql.encode()).hexdigest()
                if version in done:
                    if done[version] != checksum:
                        raise MigrationError(
                            f"{component} migration {path.name} changed after it was applied"
                        )
                    continue
                async with conn.transaction():
                    await conn.execute(sql)
                    await conn.execute(
                        "INSERT INTO public.schema_migrations (component, version, name, checksum)"
                        " VALUES ($1, $2, $3, $4)",
                        component,
                        version,
                        name,
                        checksum,
                    )
                applied_now.append(f"{component}/{path.name}")
                log.info("migration applied", extra={"migration": f"{component}/{path.name}"})
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATIONS_LOCK)
    return applied_now
