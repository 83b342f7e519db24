"""The periodic report's PDF (read back with pdftotext) and CSV say the same figures."""

import csv
import io
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from complaint_desk.services.projections.reports.document import report_csv, report_pdf
from complaint_desk.services.projections.reports.figures import EMPTY, PeriodFigures, Report, _rated
from complaint_desk.shared.documents import font_path

NOW = datetime(2026, 12, 1, 3, tzinfo=UTC)
LEARNING = {"problems_opened": 2, "problems_effective": 1, "problems_recurred": 1,
            "inspections_done": 7, "inspections_missed": 1}  # fmt: skip


def figures(label: str, received: int, resolved: int) -> PeriodFigures:
    overall = _rated({**EMPTY, "received": received, "resolved": resolved, "breached_ever": 1,
                      "satisfaction": 0.75, "response_p50": 5400.0})  # fmt: skip
    return PeriodFigures(
        label=label, start=NOW, end=NOW, overall=overall,
        by_category=[_rated({**EMPTY, "group": "repair_delay", "received": received,
                             "resolved": resolved})],
        by_severity=[], reasons=[{"reason": "too_slow", "answers": 3}],
        everyone={"received": received, "response_p50": 5400.0, "resolution_rate": 0.5,
                  "satisfaction": 0.75, "rating": 4.0, "reopen_rate": 0.0},
        officers=[{"officer": "officer-wang", "received": received, "response_p50": 3600.0,
                   "resolution_rate": 0.5, "satisfaction": 1.0, "rating": 5.0,
                   "reopen_rate": 0.0}],
        equipment=[{"key": "HQ WD-1", "name": "3F 飲水機", "complaints": 5}], places=[],
        learning=LEARNING,
    )  # fmt: skip


REPORT = Report(
    site="HQ", period="2026-11", current=figures("2026-11", 12, 9),
    previous=figures("2026-10", 8, 8),
    trend=[("2026-10", 8, 1.0, 0.75), ("2026-11", 12, 0.75, 0.75)],
)  # fmt: skip


def test_the_csv_keeps_each_figure_beside_the_previous_periods() -> None:
    rows = list(csv.DictReader(io.StringIO(report_csv(REPORT).lstrip("\ufeff"))))
    received = next(r for r in rows if r["section"] == "handling" and r["metric"] == "received")
    assert (received["指標"], received["2026-11"], received["2026-10"]) == ("受理件數", "12", "8")
    rate = next(r for r in rows if r["metric"] == "resolution_rate" and r["section"] == "handling")
    assert rate["2026-11"] == "0.75" and rate["2026-10"] == "1"
    met = next(r for r in rows if r["metric"] == "met")
    assert met["2026-11"] == "11"
    assert any(r["section"] == "hotspots" and r["group"] == "HQ WD-1" for r in rows)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_the_pdf_reads_in_chinese_with_the_same_figures(tmp_path: Path) -> None:
    pdf = report_pdf(REPORT, lang="zh-Hant", font=font_path(), zone=ZoneInfo("Asia/Taipei"),
                     issued_at=NOW)  # fmt: skip
    (tmp_path / "r.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip
    assert "定期分析報告" in text and "院區 HQ" in text and "2026-11" in text
    assert "受理件數" in text and "75.0%" in text and "1.5" in text  # 5400 s is 1.5 hours
    assert "維修延誤" in text and "處理太慢" in text and "3F 飲水機" in text
    assert "巡檢逾期未做" in text and "officer-wang" in text
    assert "repair_delay" not in text and "too_slow" not in text  # no code shows through
