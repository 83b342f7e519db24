"""Months and ISO weeks in the desk's zone, and the period before each."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from complaint_desk.services.projections.periods import period_window

TPE = ZoneInfo("Asia/Taipei")


def test_a_month_and_the_one_before_across_a_new_year() -> None:
    w = period_window("2026-01", "Asia/Taipei")
    assert (w.start, w.end) == (datetime(2026, 1, 1, tzinfo=TPE), datetime(2026, 2, 1, tzinfo=TPE))
    assert (w.previous_label, w.previous_start) == ("2025-12", datetime(2025, 12, 1, tzinfo=TPE))
    december = period_window("2026-12", "Asia/Taipei")
    assert december.end == datetime(2027, 1, 1, tzinfo=TPE)


def test_an_iso_week_and_the_one_before() -> None:
    w = period_window("2026-W01", "Asia/Taipei")
    assert w.start == datetime(2025, 12, 29, tzinfo=TPE) and w.previous_label == "2025-W52"
    assert (w.end - w.start).days == 7


@pytest.mark.parametrize("bad", ["2026-13", "2026-W60", "2026", "26-01"])
def test_anything_else_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        period_window(bad, "Asia/Taipei")


def test_periods_are_of_1900_to_2999_and_a_trend_stops_at_the_first() -> None:
    import pytest

    from complaint_desk.services.projections.periods import before

    for outside in ("0200-10", "1899-12", "3000-01"):
        with pytest.raises(ValueError):
            period_window(outside, "Asia/Taipei")
    assert before("1900-03", 6, "Asia/Taipei") == ["1900-01", "1900-02", "1900-03"]
    assert before("2026-01", 3, "Asia/Taipei") == ["2025-11", "2025-12", "2026-01"]
