"""Session fixtures: a real PostgreSQL and a real Kafka-protocol broker, started once.

Set TEST_DATABASE_URL / TEST_KAFKA_BOOTSTRAP_SERVERS to use servers of your own instead; the
suite then works in databases it creates (and leaves) there."""

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from complaint_desk.shared import db
from complaint_desk.shared.settings import ServiceSettings
from complaint_desk.tools.cli import all_migrations
from complaint_desk.tools.devstack.broker import EmbeddedBroker
from complaint_desk.tools.devstack.postgres import EmbeddedPostgres, free_port

ARTIFACTS = Path(__file__).parent / "test-artifacts"


def shared_reference() -> Path:
    """The project's reference material (``../shared``: the Compose and Open311 schemas),
    beside this checkout or, for a clone made elsewhere, the machine's (``DESK_SHARED_DIR``,
    else /work/shared)."""
    beside = [p / "shared" for p in Path(__file__).resolve().parents]
    given = os.environ.get("DESK_SHARED_DIR")
    for candidate in [*([Path(given)] if given else []), *beside, Path("/work/shared")]:
        if (candidate / "schemas").is_dir():
            return candidate
    return beside[0]


class PostgresHandle:
    """Where the tests' PostgreSQL is, and how to make a fresh database in it."""

    def __init__(self, admin_url: str, server: EmbeddedPostgres | None) -> None:
        self.admin_url = admin_url
        self.server = server

    def database_url(self, name: str) -> str:
        base, _, _ = self.admin_url.rpartition("/")
        return f"{base}/{name}"

    async def create_database(self, prefix: str, *, template: str | None = None) -> str:
        """A new database with every migration applied: migrated here, or copied from a
        ``template`` database that already is (much faster)."""
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        conn = await asyncpg.connect(self.admin_url)
        try:
            copy = f' TEMPLATE "{template}"' if template else ""
            await conn.execute(f'CREATE DATABASE "{name}"{copy}')
        finally:
            await conn.close()
        url = self.database_url(name)
        if template is None:
            conn = await db.connect(url)
            try:
                await db.migrate(conn, all_migrations())
            finally:
                await conn.close()
        return url


def postgres_data_dir(name: str) -> Path:
    """A new data directory for an embedded PostgreSQL, outside pytest's temporary root: as
    root the server runs as its own user, who must be able to reach the directory, and any
    other pytest session on the machine resets that root to mode 0700 when it starts (a
    second suite beside this one failed initdb with "Permission denied")."""
    base = ARTIFACTS / "postgres"
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=base)) / "data"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresHandle]:
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        yield PostgresHandle(external, None)
        return
    server = EmbeddedPostgres(postgres_data_dir("session"), free_port()).start()
    try:
        yield PostgresHandle(server.url, server)
    finally:
        server.destroy()
        shutil.rmtree(server.data_dir.parent, ignore_errors=True)


@pytest.fixture(scope="session")
def broker() -> Iterator[str]:
    external = os.environ.get("TEST_KAFKA_BOOTSTRAP_SERVERS")
    if external:
        yield external
        return
    embedded = EmbeddedBroker(free_port()).start()
    try:
        yield embedded.bootstrap_servers
    finally:
        embedded.stop()


@pytest.fixture(scope="session")
async def database_url(postgres: PostgresHandle) -> str:
    return await postgres.create_database("desk_unit")


@pytest.fixture(scope="session")
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    p = await db.create_pool(database_url, min_size=2, max_size=60)
    try:
        yield p
    finally:
        await p.close()


@pytest.fixture(scope="session")
async def template_database(postgres: PostgresHandle) -> str:
    """A migrated database no test touches, which :func:`own_pool` copies."""
    url = await postgres.create_database("desk_template")
    return url.rpartition("/")[2]


@pytest.fixture
async def own_pool(postgres: PostgresHandle, template_database: str) -> AsyncIterator[asyncpg.Pool]:
    """A database of this test's own, for assertions about the whole log (what a catch-up
    took, what a rebuild folded) that other tests' events must not disturb."""
    url = await postgres.create_database("desk_own", template=template_database)
    p = await db.create_pool(url, min_size=1, max_size=10)
    try:
        yield p
    finally:
        await p.close()


@pytest.fixture(scope="session")
def settings(database_url: str, broker: str) -> ServiceSettings:
    return ServiceSettings(
        DATABASE_URL=database_url,
        KAFKA_BOOTSTRAP_SERVERS=broker,
        KAFKA_TOPIC_PARTITIONS=3,
        OUTBOX_POLL_SECONDS=1.0,
    )


async def eventually(check, within: float = 20.0, interval: float = 0.1):  # type: ignore[no-untyped-def]
    """Poll an async check until it returns a truthy value; the last value on timeout."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = await check()
        if value or asyncio.get_running_loop().time() > deadline:
            return value
        await asyncio.sleep(interval)


async def record(pool, consumer, stream, *events, site: str = "TEST") -> None:  # type: ignore[no-untyped-def]
    """Append events to a stream, then hand them to a consumer as Kafka would."""
    from complaint_desk.contract.events import Metadata
    from complaint_desk.shared import eventstore

    async with pool.acquire() as conn:
        appended = await eventstore.append(
            conn, stream, list(events), Metadata(site_id=site, actor="o"), expected_version=None
        )
    for event in await eventstore.read_stream(
        pool, events[0].stream_type, stream, from_version=appended.first_version
    ):
        await consumer.deliver(event, source="test")


def pytest_collection_finish(session: pytest.Session) -> None:
    """The codebase checks (ruff, mypy, import contracts) start beside the suite."""
    if any(item.nodeid.startswith("tests/test_codebase.py") for item in session.items):
        from tests import test_codebase

        test_codebase.start_checks()
