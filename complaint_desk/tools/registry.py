"""``desk registry import --site HQ places.csv``: a site's places and equipment from a CSV,
checked first (every bad row with its reason, nothing changed), imported with ``--apply``.
A progress bar follows the rows of a large file."""

import argparse
import asyncio
import os
import sys
from pathlib import Path

from tqdm import tqdm

from complaint_desk.contract.events import utcnow
from complaint_desk.services.intake.refusals import Refusal
from complaint_desk.services.intake.registry import importing, service
from complaint_desk.services.intake.settings import IntakeSettings
from complaint_desk.shared import db
from complaint_desk.shared.uow import UnitOfWork

ACTOR = "desk registry import"


async def _import(url: str, site: str, text: str, apply: bool) -> importing.Plan | Refusal:
    pool = await db.create_pool(url, min_size=1, max_size=2)
    rows = len(importing.rows_of(text))
    try:
        with tqdm(total=rows, desc=f"{site} registry / 地點與設備", unit=" rows") as bar:
            return await service.import_csv(
                UnitOfWork(pool), site, text, ACTOR, utcnow().date(), dry_run=not apply,
                progress=bar.update,
            )  # fmt: skip
    except Refusal as refused:
        return refused
    finally:
        await pool.close()


def run_import(args: argparse.Namespace) -> int:
    url = os.environ.get("DATABASE_URL") or IntakeSettings().database_url
    text = args.file.read_text(encoding="utf-8-sig")
    found = asyncio.run(_import(url, args.site.upper(), text, args.apply))
    if isinstance(found, Refusal):
        print(f"{found.message_zh} / {found.message}", file=sys.stderr)
        for row in found.details.get("rows", []):
            print(
                f"  line {row['line']} {row['field']}: {row['reason_zh']} / {row['reason']}",
                file=sys.stderr,
            )
        return 1
    c = found.counts
    verb = "imported / 已匯入" if args.apply else "would change / 將變更 (dry run: --apply)"
    print(f"{verb}: {c['added']} added 新增, {c['changed']} changed 變更, "
          f"{c['unchanged']} unchanged 未變")  # fmt: skip
    for bad in found.bad:
        print(f"  line {bad.line} {bad.field}: {bad.reason_zh} / {bad.reason}")
    return 1 if found.bad else 0


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("registry", help="a site's places and equipment / 地點與設備")
    actions = parser.add_subparsers(dest="action", required=True)
    load = actions.add_parser("import", help="import places and equipment from a CSV / 由 CSV 匯入")
    load.add_argument(
        "file", type=Path, help="the CSV (UTF-8; columns in the README) / CSV 檔（UTF-8）"
    )
    load.add_argument("--site", required=True, help="the site's code, e.g. HQ / 院區代碼")
    load.add_argument(
        "--apply", action="store_true", help="import (else only check) / 匯入（否則只檢查）"
    )
    load.set_defaults(func=run_import)
