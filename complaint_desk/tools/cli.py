"""``desk``: run the whole system locally, migrate, create topics, rebuild projections."""

import argparse
import asyncio
import importlib
import importlib.metadata
import os
import secrets
import signal
import sys
import threading
from pathlib import Path

from tqdm import tqdm

from complaint_desk import services
from complaint_desk.services.projections import rebuilders
from complaint_desk.shared import db
from complaint_desk.shared.auth import Role, store
from complaint_desk.shared.kafka import ensure_topics
from complaint_desk.shared.rebuild import RebuildReport
from complaint_desk.shared.rebuild import rebuild as rebuild_projection
from complaint_desk.shared.settings import ServiceSettings
from complaint_desk.tools import archive, kafka_acls_command, kafka_setup, registry, report, users
from complaint_desk.tools.devstack.broker import EmbeddedBroker
from complaint_desk.tools.devstack.ports import holders
from complaint_desk.tools.devstack.postgres import EmbeddedPostgres
from complaint_desk.tools.devstack.stack import SERVICES, Stack

# Where `desk run` keeps its database and logs: the directory it is run from, not the package
# (which a non-editable install puts in site-packages).
DATA = Path(os.environ.get("DESK_DATA_DIR", Path.cwd() / ".data"))


def all_migrations() -> dict[str, Path]:
    """Every component's migrations: the runtime's, then each service's own (it exports them)."""
    found = {"shared": db.SHARED_SQL}
    for name in SERVICES:
        found[name] = importlib.import_module(f"{services.__name__}.{name}").MIGRATIONS
    return found


async def _migrate(url: str) -> list[str]:
    conn = await db.connect(url)
    try:
        return await db.migrate(conn, all_migrations())
    finally:
        await conn.close()


async def _first_admin(url: str) -> str | None:
    """On a new installation, an organisation admin named ``admin`` with a random password,
    returned to be shown once; None if anyone exists already."""
    conn = await db.connect(url)
    try:
        if await store.principals(conn):
            return None
        password = secrets.token_urlsafe(12)
        await store.save_principal(conn, store.Grant("admin", Role.ORG_ADMIN, password=password))
        return password
    finally:
        await conn.close()


def _ports_needed(database_url: str | None, bootstrap: str | None) -> dict[str, int]:
    """The ports this run will listen on, by what for: the services', the mail's, and the
    embedded parts' unless they run elsewhere (and not the database's when it is this data
    folder's own PostgreSQL, still running from before: it is used again)."""
    needed = {
        f"{name} service": int(os.environ.get(f"{name.upper()}_PORT", default))
        for name, default in SERVICES.items()
    }
    mail = int(os.environ.get("INTAKE_MAIL_PORT", "2525"))
    if mail:
        needed["intake mail"] = mail
    if not database_url:
        port = int(os.environ.get("DESK_POSTGRES_PORT", "54329"))
        if not EmbeddedPostgres(DATA / "postgres", port).running():
            needed["embedded PostgreSQL"] = port
    if not bootstrap:
        needed["embedded broker"] = int(os.environ.get("DESK_BROKER_PORT", "9092"))
    return needed


def run(_: argparse.Namespace) -> int:
    """Start the embedded parts unless DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS point elsewhere,
    then the four services; stop everything on Ctrl-C."""
    os.environ.setdefault("XDG_RUNTIME_DIR", str(DATA / "run"))
    os.environ.setdefault("NOTIFY_ALLOW_LOOPBACK", "true")  # the dev profile: local receivers
    os.environ.setdefault("DESK_PROFILE", "development")  # its built-in secrets are accepted
    # The complainant's channels, open for the demo site HQ: its form, email in, Open311.
    os.environ.setdefault("INTAKE_PUBLIC_SITES", '{"HQ": "總院區"}')
    os.environ.setdefault("PROJECTIONS_OPEN311_SITES", '{"HQ": "總院區"}')
    os.environ.setdefault("INTAKE_MAIL_PORT", "2525")
    os.environ.setdefault("INTAKE_MAIL_ADDRESSES", '{"desk-hq@localhost": "HQ"}')
    (DATA / "run").mkdir(parents=True, exist_ok=True)
    postgres = broker = None
    database_url = os.environ.get("DATABASE_URL")
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    held = holders(_ports_needed(database_url, bootstrap))
    if held:
        print(
            "cannot start: a port it needs is taken / 無法啟動：所需連接埠已被占用", file=sys.stderr
        )
        for line in held:
            print(f"  {line}", file=sys.stderr)
        return 2
    if not database_url:
        port = int(os.environ.get("DESK_POSTGRES_PORT", "54329"))
        print(f"▶ PostgreSQL (embedded) on 127.0.0.1:{port}, data in {DATA / 'postgres'}")
        postgres = EmbeddedPostgres(DATA / "postgres", port).start()
        database_url = postgres.url
    if not bootstrap:
        port = int(os.environ.get("DESK_BROKER_PORT", "9092"))
        print(f"▶ Kafka-protocol broker (embedded Tansu, memory only) on 127.0.0.1:{port}")
        broker = EmbeddedBroker(port, DATA / "broker.log").start()
        bootstrap = broker.bootstrap_servers
        os.environ.setdefault("KAFKA_FETCH_MAX_WAIT_MS", "50")  # Tansu holds fetches longer
    settings = ServiceSettings(DATABASE_URL=database_url, KAFKA_BOOTSTRAP_SERVERS=bootstrap)
    applied = asyncio.run(_migrate(database_url))
    print(f"▶ migrations: {len(applied)} applied")
    first_password = asyncio.run(_first_admin(database_url))
    created = asyncio.run(ensure_topics(settings))
    print(f"▶ topics: {', '.join(created) or 'already present'}")
    stack = Stack(database_url, bootstrap, DATA / "logs")
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    # Ctrl-C stops everything even where SIGINT came inherited as ignored (a process started
    # in the background by a shell without job control), which Python then leaves ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        stack.start()
        print("\nComplaint desk is running / 投訴處理系統已啟動:")
        for name, service in stack.services.items():
            print(f"  {name:<12} {service.url}   (API docs {service.url}/docs)")
        print(f"  {'console':<12} {stack.url('projections')}/   (值班台 duty desk)")
        print(f"  {'report form':<12} {stack.url('intake')}/report/HQ   (投訴人線上反映)")
        print(f"  {'mailbox':<12} desk-hq@localhost on 127.0.0.1:2525   (email in / 電子郵件)")
        if first_password:
            print(f"  sign in / 登入: admin / {first_password}   (shown once / 僅顯示一次)")
        else:
            print("  sign in with your account; more: desk users add --help / 新增帳號")
        print(f"  logs         {DATA / 'logs'}")
        print("Press Ctrl-C to stop / 按 Ctrl-C 停止")
        while not stopping.wait(1.0):
            for service in stack.services.values():
                if service.process is None or service.process.poll() is not None:
                    print(f"{service.name} exited; see {DATA / 'logs'} / 服務已停止")
                    stopping.set()
    except KeyboardInterrupt:
        pass
    finally:
        print("\nstopping…")
        stack.stop()
        if broker:
            broker.stop()
        if postgres:
            postgres.stop()
    return 0


def migrate(_: argparse.Namespace) -> int:
    url = os.environ.get("DATABASE_URL") or ServiceSettings().database_url
    for name in asyncio.run(_migrate(url)):
        print(f"applied {name}")
    return 0


def topics(_: argparse.Namespace) -> int:
    created = asyncio.run(ensure_topics(ServiceSettings()))
    print(f"created: {', '.join(created) or 'none (all present)'}")
    return 0


async def _rebuild(url: str, names: list[str], batch_size: int) -> list[RebuildReport]:
    from complaint_desk.services.projections.settings import ProjectionsSettings

    available = rebuilders(ProjectionsSettings().contact_key_secret)
    reports = []
    for name in names:
        with tqdm(desc=f"rebuild {name} / 重建", unit=" events", unit_scale=True) as bar:

            async def total(n: int, bar: tqdm = bar) -> None:
                bar.total = n
                bar.refresh()

            async def advance(n: int, bar: tqdm = bar) -> None:
                bar.update(n)

            reports.append(
                await rebuild_projection(
                    url, available[name](), batch_size=batch_size, on_total=total, on_batch=advance
                )
            )
    return reports


def rebuild(args: argparse.Namespace) -> int:
    """Rebuild projections from the event store into new tables and swap them in."""

    known = list(rebuilders(""))
    names = known if args.projection == "all" else [args.projection]
    url = os.environ.get("DATABASE_URL") or ServiceSettings().database_url
    for r in asyncio.run(_rebuild(url, names, args.batch_size)):
        rows = ", ".join(f"{t} {n:,}" for t, n in r.rows.items())
        print(
            f"{r.projection}: {r.events:,} events in {r.seconds:.1f}s "
            f"({r.events_per_second:,.0f}/s), {r.skipped} skipped; rows: {rows}; "
            f"swapped in {r.swap_seconds * 1000:.0f} ms with {r.tail_events} late events"
        )
    return 0


def _version() -> str:
    try:
        return importlib.metadata.version("complaint-desk")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="desk", description="Complaint desk / 投訴處理系統")
    parser.add_argument("--version", action="version", version=f"desk {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "run", help="run the whole system locally / 在本機執行整個系統"
    ).set_defaults(func=run)
    commands.add_parser("migrate", help="apply database migrations / 套用資料庫遷移").set_defaults(
        func=migrate
    )
    commands.add_parser("topics", help="create the Kafka topics / 建立 Kafka 主題").set_defaults(
        func=topics
    )
    rebuilding = commands.add_parser(
        "rebuild",
        help="rebuild read models from the event store (blue/green, no downtime) / 重建查詢資料",
        description=(
            "Rebuilds read models from the event store into new tables and swaps them in: safe on "
            "a running system (queries and the live projectors carry on; events that arrive "
            "meanwhile are folded in before the swap). A progress bar follows the events read. "
            "Targets: register (the complaints and their SLA state), timeline (every complaint's "
            "history), learning (problem records, inspections, training), all. / 由事件紀錄重建"
            "查詢資料表後切換，系統運作中亦可執行。"
        ),
    )
    rebuilding.add_argument(
        "projection",
        nargs="?",
        default="all",
        choices=["all", "register", "timeline", "learning"],
        help="what to rebuild (default all) / 重建對象",
    )
    rebuilding.add_argument(
        "--batch-size", type=int, default=10_000, help="events read at a time / 每批讀取事件數"
    )
    rebuilding.set_defaults(func=rebuild)
    users.add_parser(commands)
    archive.add_parser(commands)
    registry.add_parser(commands)
    report.add_parser(commands)
    kafka_acls_command.add_parser(commands)
    kafka_setup.add_parsers(commands)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
