"""Time left on a clock in words: a business clock counts the site's working windows only,
in business days of the site's length; a 24×7 clock counts every hour."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from complaint_desk.services.projections.console.texts import Texts
from complaint_desk.services.projections.console.working_time import (
    Countdowns,
    WorkingTime,
    clocks_of,
    left_words,
    span_words,
)

TAIPEI = ZoneInfo("Asia/Taipei")
ZH, EN = Texts("zh-Hant"), Texts("en")
DAY = 8 * 3600  # 08:30–12:00 and 13:00–17:30


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=TAIPEI).astimezone(UTC)


def office_week() -> WorkingTime:
    """Monday 23 to Friday 27 November 2026, and Monday 30, in Taipei."""
    windows = []
    for day in (23, 24, 25, 26, 27, 30):
        windows += [(local(day, 8, 30), local(day, 12)), (local(day, 13), local(day, 17, 30))]
    return WorkingTime("TPE", "Asia/Taipei", DAY, local(23, 0), local(30, 23), tuple(windows))


def test_a_span_in_its_two_leading_units() -> None:
    assert (
        span_words(ZH, DAY + 3 * 3600 + 59, day_seconds=DAY, business=True) == "1 個工作天 3 小時"
    )
    assert span_words(EN, 2 * DAY, day_seconds=DAY, business=True) == "2 business days"
    assert span_words(ZH, 3 * 3600 + 20 * 60, day_seconds=DAY, business=True) == "3 小時 20 分"
    assert span_words(EN, 5 * 60 + 30, day_seconds=86400, business=False) == "5 min"
    assert span_words(ZH, 20, day_seconds=DAY, business=True) == "0 分"
    assert span_words(EN, 86400 + 7200, day_seconds=86400, business=False) == "1 day 2 h"


def test_business_time_left_skips_the_lunch_break_the_night_and_the_weekend() -> None:
    week = office_week()
    now, due = local(26, 10), local(27, 15)  # Thursday 10:00 → Friday 15:00
    # Thursday 2 h + 4.5 h, Friday 3.5 h + 2 h: 12 h = 1 business day and 4 hours.
    assert week.seconds(now, due) == 12 * 3600
    assert left_words(ZH, due, now, week, business=True) == "剩 1 個工作天 4 小時"
    assert left_words(EN, due, now, week, business=True) == "1 business day 4 h left"
    # Saturday noon, due on Monday 09:30: one working hour, and the clock is not running.
    assert left_words(ZH, local(30, 9, 30), local(28, 12), week, business=True) == (
        "剩 1 小時（非上班時間，暫停計時）"
    )


def test_overdue_is_counted_in_working_time_too() -> None:
    week = office_week()
    # Due on Friday 17:00, now Monday 09:00: 30 min on Friday and 30 on Monday.
    assert left_words(ZH, local(27, 17), local(30, 9), week, business=True) == "逾時 1 小時"
    assert week.seconds(local(30, 9), local(27, 17)) == -3600


def test_a_24x7_clock_counts_every_hour_and_a_business_one_without_calendar_says_nothing() -> None:
    now = local(28, 12)
    assert left_words(ZH, now + timedelta(hours=3), now, None, business=False) == "剩 3 小時"
    assert left_words(ZH, now + timedelta(hours=3), now, None, business=True) is None


def test_the_rows_clocks_and_their_targets() -> None:
    row = {
        "site": "TPE", "acknowledged_at": None,
        "response_due_at": local(26, 11), "response_calendar": "business",
        "resolution_due_at": local(27, 15), "resolution_calendar": "business",
        "review_due_at": None, "review_calendar": None,
    }  # fmt: skip
    assert [c for c, _, _ in clocks_of(row)] == ["response", "resolution"]
    assert [c for c, _, _ in clocks_of(row | {"acknowledged_at": local(26, 9)})] == ["resolution"]
    assert [b for _, _, b in clocks_of(row | {"resolution_calendar": "24x7"})] == [True, False]
    shown = Countdowns(ZH, {"TPE": office_week()}, local(26, 10), {"resolution": 2.0 * DAY})(row)
    assert [(k.clock, k.words, k.target) for k in shown] == [
        ("response", "剩 1 小時", None),
        ("resolution", "剩 1 個工作天 4 小時", "2 個工作天"),
    ]
