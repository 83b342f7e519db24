from pathlib import Path

import pytest

from complaint_desk.shared import db
from conftest import PostgresHandle


async def test_migrations_apply_once_in_order_and_refuse_edited_files(
    postgres: PostgresHandle, tmp_path: Path
) -> None:
    url = await postgres.create_database("desk_migrations")
    folder = tmp_path / "sql"
    folder.mkdir()
    (folder / "0001_first.sql").write_text("CREATE TABLE m_one (id int);")
    (folder / "0002_second.sql").write_text("INSERT INTO m_one VALUES (1);")
    (folder / "notes.sql").write_text("this is not a migration and must be ignored")
    conn = await db.connect(url)
    try:
        applied = await db.migrate(conn, {"demo": folder})
        assert applied == ["demo/0001_first.sql", "demo/0002_second.sql"]
        assert await db.migrate(conn, {"demo": folder}) == []  # idempotent
        assert await conn.fetchval("SELECT count(*) FROM m_one") == 1
        (folder / "0001_first.sql").write_text("CREATE TABLE m_one (id bigint);")
        with pytest.raises(db.MigrationError, match="changed after it was applied"):
            await db.migrate(conn, {"demo": folder})
    finally:
        await conn.close()


async def test_a_failing_migration_applies_nothing_of_itself(
    postgres: PostgresHandle, tmp_path: Path
) -> None:
    url = await postgres.create_database("desk_migrations")
    (tmp_path / "0001_bad.sql").write_text("CREATE TABLE m_two (id int); SELECT 1/0;")
    conn = await db.connect(url)
    try:
        with pytest.raises(Exception, match="division by zero"):
            await db.migrate(conn, {"bad": tmp_path})
        assert await conn.fetchval("SELECT to_regclass('m_two')") is None
        bad = "SELECT count(*) FROM schema_migrations WHERE component = 'bad'"
        assert await conn.fetchval(bad) == 0
    finally:
        await conn.close()
