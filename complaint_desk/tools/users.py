"""``desk users``: people and systems, their roles, sites, passwords and API tokens."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from typing import Any

from complaint_desk.shared import db
from complaint_desk.shared.auth import Role, store
from complaint_desk.shared.auth.roles import ORGANISATION_WIDE, SITE_BOUND
from complaint_desk.shared.auth.secrets import signing_key
from complaint_desk.shared.settings import ServiceSettings


def _settings() -> ServiceSettings:
    url = os.environ.get("DATABASE_URL")
    return ServiceSettings(DATABASE_URL=url) if url else ServiceSettings()


def _password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password / 密碼: ")
    if first != getpass.getpass("again / 再輸入一次: "):
        raise SystemExit("the passwords differ / 兩次密碼不一致")
    return first


def _sites(args: argparse.Namespace) -> frozenset[str] | None:
    """The sites named, or every site only when asked for by --all-sites: a forgotten --site
    must not hand someone the whole organisation."""
    if args.site and args.all_sites:
        raise ValueError("give --site or --all-sites, not both / 請擇一指定 --site 或 --all-sites")
    if args.site:
        return store.sites_of(args.site)
    if args.all_sites or Role(args.role) in ORGANISATION_WIDE | SITE_BOUND:
        return None  # a site-bound role without sites is refused by the grant itself
    raise ValueError(
        f"{args.role}: name its sites (--site HQ, repeatable) or give --all-sites"
        " / 請以 --site 指定院區，或以 --all-sites 授權所有院區"
    )


async def _add(conn: Any, s: ServiceSettings, args: argparse.Namespace) -> None:
    grant = store.Grant(
        name=args.name,
        role=Role(args.role),
        sites=_sites(args),
        commands=frozenset(args.command or ()),
        event_types=frozenset(args.event_type or ()),
        password=_password() if args.password else None,
    )
    principal_id = await store.save_principal(conn, grant)
    print(f"{args.name}: {grant.role}, sites {', '.join(sorted(grant.sites or ['*']))}")
    if args.token or grant.role is Role.INTEGRATION:
        token = await store.issue_token(conn, principal_id, args.label)
        print(f"API token (shown once / 僅顯示一次): {token}")
    if grant.role is Role.INTEGRATION:
        key = signing_key(s.integration_signing_secret, str(principal_id)).hex()
        print(f"key id: {principal_id}")
        print(f"message signing key (keep secret / 請保密): {key}")


async def _token(conn: Any, _: ServiceSettings, args: argparse.Namespace) -> None:
    found = await store.principal_named(conn, args.name)
    if found is None:
        raise SystemExit(f"no active user {args.name} / 查無此帳號")
    print(await store.issue_token(conn, found.id, args.label))


class NoSuchUser(LookupError):
    """The name given is not a user or system (exit 2)."""


async def _list(conn: Any, _: ServiceSettings, __: argparse.Namespace) -> None:
    header = ("name / 帳號", "role / 角色", "sites / 院區", "state / 狀態")
    print(f"{header[0]:<24} {header[1]:<13} {header[2]:<20} {header[3]}")
    for p in await store.principals(conn):
        state = "disabled" if p["disabled_at"] else f"{p['tokens']} tokens"
        sites = ",".join(p["sites"]) if p["sites"] is not None else "*"
        print(f"{p['name']:<24} {p['role']:<13} {sites:<20} {state}")


async def _disable(conn: Any, _: ServiceSettings, args: argparse.Namespace) -> None:
    if await store.disable(conn, args.name):
        print(f"{args.name}: disabled, every token and session revoked / 已停用")
    elif await store.exists(conn, args.name) is None:
        raise NoSuchUser(args.name)
    else:
        print(f"{args.name}: disabled already / 已是停用狀態")


async def _enable(conn: Any, _: ServiceSettings, args: argparse.Namespace) -> None:
    if await store.enable(conn, args.name):
        print(f"{args.name}: enabled; its old tokens stay revoked / 已啟用（舊權杖仍失效）")
    elif await store.exists(conn, args.name) is None:
        raise NoSuchUser(args.name)
    else:
        print(f"{args.name}: enabled already / 已是啟用狀態")


async def _password_reset(conn: Any, _: ServiceSettings, args: argparse.Namespace) -> None:
    state = await store.exists(conn, args.name)
    if state is None:
        raise NoSuchUser(args.name)
    if state:
        raise ValueError(f"{args.name} is disabled: enable it first / 此帳號已停用，請先啟用")
    await store.set_password(conn, args.name, _password())
    print(f"{args.name}: password changed, sessions ended / 已重設密碼，登入階段已結束")


ACTIONS = {
    "add": _add, "token": _token, "list": _list, "disable": _disable, "enable": _enable,
    "password": _password_reset,
}  # fmt: skip


async def _run(args: argparse.Namespace) -> None:
    settings = _settings()
    conn = await db.connect(settings.database_url)
    try:
        await ACTIONS[args.action](conn, settings, args)
    finally:
        await conn.close()


def users(args: argparse.Namespace) -> int:
    try:
        asyncio.run(_run(args))
    except NoSuchUser as exc:
        print(f"no user or system named {exc} / 查無此帳號：{exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # a grant that makes no sense
        print(f"refused / 拒絕: {exc}", file=sys.stderr)
        return 2
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "users", help="people and systems, roles, tokens / 帳號、角色與權杖",
        description="People who sign in to the console and systems that call the APIs or "
        "send messages: their roles, sites, passwords and API tokens. / "
        "管理帳號、角色、院區、密碼與權杖。",
    )  # fmt: skip
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser(
        "add", help="add a user or system, or change its role and sites / 新增或修改帳號"
    )
    add.add_argument("name", help="its sign-in name / 帳號名稱")
    add.add_argument("--role", required=True, choices=[r.value for r in Role],
                     help="what it may do / 角色")  # fmt: skip
    add.add_argument(
        "--site", action="append", help="a site it serves (repeat) / 服務院區（可重複）"
    )
    add.add_argument("--all-sites", action="store_true",
                     help="it serves every site (auditor, integration) / 所有院區")  # fmt: skip
    add.add_argument("--command", action="append",
                     help="integration: a command it may send / 可送出的指令")  # fmt: skip
    add.add_argument("--event-type", action="append",
                     help="integration: an event it may send / 可送出的事件")  # fmt: skip
    add.add_argument("--password", action="store_true",
                     help="set a console password (asks) / 設定主控台密碼（會詢問）")  # fmt: skip
    add.add_argument("--token", action="store_true", help="issue an API token too / 一併發給權杖")
    add.add_argument("--label", help="what the token is for / 權杖用途")
    token = actions.add_parser("token", help="issue another API token / 再發一組權杖")
    token.add_argument("name", help="its sign-in name / 帳號名稱")
    token.add_argument("--label", help="what the token is for / 權杖用途")
    actions.add_parser("list", help="list users and systems / 列出帳號")
    disable = actions.add_parser(
        "disable", help="disable, revoking every token and session / 停用並撤銷所有權杖與登入"
    )
    disable.add_argument("name", help="its sign-in name / 帳號名稱")
    enable = actions.add_parser(
        "enable", help="enable again (old tokens stay revoked) / 重新啟用（舊權杖仍失效）"
    )
    enable.add_argument("name", help="its sign-in name / 帳號名稱")
    password = actions.add_parser(
        "password", help="reset a console password (asks; sessions end) / 重設主控台密碼"
    )
    password.add_argument("name", help="its sign-in name / 帳號名稱")
    parser.set_defaults(func=users)
