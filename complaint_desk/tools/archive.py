"""``desk archive verify <number>``: whether a closed complaint's record is as it was sealed,
recomputed from the log and the stored files, and from a downloaded dossier if one is given."""

import argparse
import asyncio
import os
import sys
from pathlib import Path

from complaint_desk.services.intake import archive
from complaint_desk.services.intake.repository import ComplaintRepository
from complaint_desk.services.intake.settings import IntakeSettings
from complaint_desk.shared import db
from complaint_desk.shared.dossier import Verdict


async def _verify_log(url: str, number: str, key: bytes) -> Verdict | str | None:
    conn = await db.connect(url)
    try:
        async with conn.transaction():
            complaint_id = await ComplaintRepository(conn).complaint_by_number(number)
            if complaint_id is None:
                return f"no complaint {number} / 查無投訴 {number}"
            return await archive.verify_log(conn, complaint_id, key)
    finally:
        await conn.close()


def _say(what: str, verdict: Verdict) -> bool:
    if verdict.intact:
        print(f"{what}: intact, as sealed / 與封存時相同")
    else:
        print(f"{what}: CHANGED since sealing / 封存後已遭變動")
        for problem in verdict.problems:
            print(f"  - {problem}")
    return verdict.intact


def verify(args: argparse.Namespace) -> int:
    settings = IntakeSettings()
    key = settings.dossier_seal_key.encode()
    url = os.environ.get("DATABASE_URL") or settings.database_url
    found = asyncio.run(_verify_log(url, args.number, key))
    if isinstance(found, str):
        print(found, file=sys.stderr)
        return 2
    if found is None:
        print(f"{args.number}: not sealed yet (it is sealed when closed) / 尚未歸檔封存")
        return 2
    intact = _say(f"{args.number} in the log", found)
    if args.dossier:
        intact = (
            _say(str(args.dossier), archive.verify_zip(args.dossier.read_bytes(), key)) and intact
        )
    return 0 if intact else 1


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("archive", help="sealed dossiers of closed complaints / 歸檔")
    actions = parser.add_subparsers(dest="action", required=True)
    check = actions.add_parser(
        "verify", help="check a complaint's record against its seal / 驗證歸檔紀錄"
    )
    check.add_argument("number", help="the complaint's number, e.g. HQ-20261202-0001 / 投訴編號")
    check.add_argument(
        "--dossier", type=Path, help="a downloaded dossier (ZIP) to check too / 一併驗證下載的卷宗"
    )
    check.set_defaults(func=verify)
