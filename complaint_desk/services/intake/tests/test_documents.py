"""The handling report as a PDF, read back with poppler (pdftotext, pdftoppm): the Chinese
number, names and solution are there, and the font is embedded."""

import io
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageDraw

from complaint_desk.services.intake.documents import ReportFacts, Signed, report_pdf
from complaint_desk.shared.documents import font_path
from conftest import ARTIFACTS

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
FACTS = ReportFacts(
    number="PW-20261202-0001", site="PW", location="3F 茶水間飲水機", category="維修延誤",
    severity="L2 重要", received_at=NOW, description="飲水機漏水已三天，報修未處理",
    responsible_party="維修組", solution="今日下班前更換進水閥，並致歉", completion_due=NOW,
    version=1,
)  # fmt: skip


def drawn(text: str) -> bytes:
    image = Image.new("RGB", (300, 100), "white")
    ImageDraw.Draw(image).line([(10, 80), (120, 20), (200, 70), (290, 30)], fill="black", width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def poppler(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        pytest.fail(f"{tool} is missing: .ci/run installs Debian's poppler-utils")
    return found


def test_the_report_reads_in_chinese_with_both_signatures_and_an_embedded_font(
    tmp_path: Path,
) -> None:
    signatures = [
        Signed("officer", "王值班", NOW, drawn("王")),
        Signed("complainant", "陳小明", NOW, None),
    ]
    pdf = report_pdf(
        FACTS, signatures, lang="zh-Hant", zone=ZoneInfo("Asia/Taipei"), issued_at=NOW,
        font=font_path(),
    )  # fmt: skip
    assert pdf.startswith(b"%PDF-")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        [poppler("pdftotext"), "-layout", str(path), "-"], capture_output=True, check=True,
        text=True,
    ).stdout  # fmt: skip
    for expected in ("投訴處理報告", "PW-20261202-0001", "王值班", "陳小明", "今日下班前更換進水閥",
                     "維修組", "2026-12-02 11:00"):  # fmt: skip
        assert expected in text, expected
    fonts = subprocess.run(
        [poppler("pdffonts"), str(path)], capture_output=True, check=True, text=True
    ).stdout
    assert "yes yes" in fonts.splitlines()[2], f"embedded and subset: {fonts}"
    out = ARTIFACTS / "documents"
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [poppler("pdftoppm"), "-png", "-r", "60", str(path), str(out / "report-unit")], check=True
    )
    assert list(out.glob("report-unit*.png"))


def test_in_english_on_request() -> None:
    pdf = report_pdf(
        FACTS, [Signed("officer", "王值班", NOW, None)], lang="en", zone=ZoneInfo("UTC"),
        issued_at=NOW, font=font_path(),
    )  # fmt: skip
    assert b"%PDF" in pdf[:8] and len(pdf) > 1000
