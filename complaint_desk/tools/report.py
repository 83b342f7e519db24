"""``desk report --site HQ --month 2026-11``: any period's periodic report (定期分析), produced
now from the read models, as a PDF and a CSV in the current folder (or ``--out``). ``--site
'*'`` is the organisation's; several sites at once show a progress bar."""

import argparse
import asyncio
import os
import sys
from pathlib import Path

from tqdm import tqdm

from complaint_desk.services.projections.reports import service
from complaint_desk.services.projections.reports.words import Lang
from complaint_desk.services.projections.settings import ProjectionsSettings
from complaint_desk.shared import db
from complaint_desk.shared.documents import NoFont


async def _produce(
    settings: ProjectionsSettings, sites: list[str], period: str, out: Path, lang: Lang
) -> list[Path]:
    pool = await db.create_pool(settings.database_url, min_size=1, max_size=2)
    written = []
    try:
        for site in tqdm(sites, desc=f"{period} reports / 定期分析報告", unit=" sites"):
            produced = await service.produce(pool, site, period, settings, lang=lang)
            stem = out / f"report-{'ORG' if site == '*' else site}-{period}"
            stem.with_suffix(".pdf").write_bytes(produced.pdf)
            stem.with_suffix(".csv").write_bytes(produced.csv.encode())
            written += [stem.with_suffix(".pdf"), stem.with_suffix(".csv")]
    finally:
        await pool.close()
    return written


def run_report(args: argparse.Namespace) -> int:
    settings = ProjectionsSettings()
    if url := os.environ.get("DATABASE_URL"):
        settings = settings.model_copy(update={"database_url": url})
    period = args.month or args.week
    sites = [s.strip().upper() for s in args.site.split(",") if s.strip()]
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        written = asyncio.run(_produce(settings, sites, period, args.out, args.lang))
    except NoFont as missing:
        print(f"未安裝中文字型 / {missing}", file=sys.stderr)
        return 1
    except ValueError as wrong:
        print(f"查無此月份或週次 / {wrong}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("report", help="a periodic report, any period / 定期分析報告")
    parser.add_argument(
        "--site", required=True, help="HQ, several (HQ,NORTH) or '*' (the organisation) / 院區"
    )
    when = parser.add_mutually_exclusive_group(required=True)
    when.add_argument("--month", help="a month, e.g. 2026-11 / 月份")
    when.add_argument("--week", help="an ISO week, e.g. 2026-W47 / 週次")
    parser.add_argument(
        "--out", type=Path, default=Path("."), help="where to write the files / 輸出資料夾"
    )
    parser.add_argument("--lang", choices=["zh-Hant", "en"], default="zh-Hant",
                        help="the PDF's language / PDF 語言")  # fmt: skip
    parser.set_defaults(func=run_report)
