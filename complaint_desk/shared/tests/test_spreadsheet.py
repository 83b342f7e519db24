import csv
import io

import pytest

from complaint_desk.shared.spreadsheet import safe_cell, write_csv


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"],
)
def test_what_a_spreadsheet_would_run_is_shown_as_text(value: str) -> None:
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["飲水機漏水", "3F 茶水間", "a=b", "", None, 12, "1-2"])
def test_ordinary_text_is_kept(value: object) -> None:
    assert safe_cell(value) == ("" if value is None else str(value))


def test_every_cell_is_quoted_and_read_back_as_written() -> None:
    text = write_csv(["編號", "內容"], [["HQ-1", '=cmd|" /C calc"!A0'], ["HQ-2", "a,\nb"]])
    assert text.startswith("\ufeff")
    assert '"HQ-1","\'=cmd|"" /C calc""!A0"' in text
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows == [["編號", "內容"], ["HQ-1", '\'=cmd|" /C calc"!A0'], ["HQ-2", "a,\nb"]]
