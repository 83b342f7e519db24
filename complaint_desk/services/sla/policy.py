"""SLA policies and site calendars as configuration: validated models, with the defaults of
the duty desk's process (L1 15 min / 4 h on 24×7; L2 2 h / 1 business day; L3 1 business
day / 5 business days)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from complaint_desk.contract.events.complaints import Severity
from complaint_desk.contract.events.sla import ClockKind
from complaint_desk.shared.invalid import Invalid

from .calendar import AlwaysOpen, BusinessCalendar, Calendar, parse_hours

MAX_TARGET_DAYS = 92
MAX_TARGET_BUSINESS_DAYS = 60
MAX_CLOSURE_DAYS = 92  # a closure longer than a quarter is a site closed, not a calendar
WORKING_TIME_EVERY_DAYS = 30  # no stretch of a calendar this long may be without working time

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Target(BaseModel):
    """How long a clock may run: in minutes or hours of its calendar, or in business days."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    # Bounded: no complaint waits more than a quarter of a year for its deadline.
    minutes: float | None = Field(
        None, gt=0, le=MAX_TARGET_DAYS * 1440, description="分鐘 / minutes of its calendar"
    )
    hours: float | None = Field(
        None, gt=0, le=MAX_TARGET_DAYS * 24, description="小時 / hours of its calendar"
    )
    business_days: float | None = Field(
        None, gt=0, le=MAX_TARGET_BUSINESS_DAYS,
        description="工作天 / business days: the longest weekday's working hours each",
    )  # fmt: skip
    seconds: float | None = Field(
        None, gt=0, le=MAX_TARGET_DAYS * 86400, description="seconds: for tests and drills"
    )

    @model_validator(mode="after")
    def _one_unit(self) -> Target:
        given = [v for v in (self.minutes, self.hours, self.business_days, self.seconds) if v]
        if len(given) != 1:
            raise Invalid(
                "give exactly one of minutes, hours, business_days, seconds",
                "分鐘、小時、工作天或秒數，只能填其中一項",
            )
        return self

    def in_seconds(self, calendar: Calendar) -> float:
        if self.business_days:
            return self.business_days * calendar.business_day_seconds
        return (self.seconds or 0) + (self.minutes or 0) * 60 + (self.hours or 0) * 3600


class LevelPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    response: Target
    resolution: Target
    calendar: Literal["24x7", "business"]


class Rung(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fraction: float = Field(gt=0, lt=1)
    notify: Annotated[str, Field(min_length=1, max_length=60)]


class SlaPolicy(BaseModel):
    """Targets per severity, and who is told when a clock gets close and when it breaches."""

    model_config = ConfigDict(extra="forbid")

    levels: dict[Severity, LevelPolicy]
    warnings: list[Rung] = Field(
        default_factory=lambda: [
            Rung(fraction=0.5, notify="assigned_officer"),
            Rung(fraction=0.75, notify="supervisor"),
        ],
        max_length=5,
    )
    breach_notify: str = "duty_manager"
    # The supervisor's review (復核) after a dissatisfied callback: one target per site,
    # whatever the level, with the same warning ladder.
    review: Target = Field(default_factory=lambda: Target(business_days=3))
    review_calendar: Literal["24x7", "business"] = "business"

    @field_validator("levels")
    @classmethod
    def _every_level(cls, levels: dict[Severity, LevelPolicy]) -> dict[Severity, LevelPolicy]:
        missing = set(Severity) - set(levels)
        if missing:
            names = sorted(m.value for m in missing)
            raise Invalid(f"targets missing for {names}", f"缺少等級 {'、'.join(names)} 的時限")
        return levels

    @field_validator("warnings")
    @classmethod
    def _ascending(cls, warnings: list[Rung]) -> list[Rung]:
        fractions = [w.fraction for w in warnings]
        if fractions != sorted(set(fractions)):
            raise Invalid(
                "warning fractions must be distinct and ascending", "預警比例須由小到大且不重複"
            )
        return warnings

    def target(self, level: Severity, clock: ClockKind) -> Target:
        if clock is ClockKind.REVIEW:
            return self.review
        policy = self.levels[level]
        return policy.response if clock is ClockKind.RESPONSE else policy.resolution

    def calendar(self, level: Severity, clock: ClockKind) -> str:
        """Which calendar measures the clock: ``24x7`` or ``business``."""
        return self.review_calendar if clock is ClockKind.REVIEW else self.levels[level].calendar

    def thresholds(self) -> list[tuple[str, float, str]]:
        """(name, fraction, who is told), the breach last."""
        rungs = [(f"warn{round(w.fraction * 100)}", w.fraction, w.notify) for w in self.warnings]
        return [*rungs, ("breach", 1.0, self.breach_notify)]


DEFAULT_POLICY = SlaPolicy(
    levels={
        Severity.L1: LevelPolicy(
            response=Target(minutes=15), resolution=Target(hours=4), calendar="24x7"
        ),
        Severity.L2: LevelPolicy(
            response=Target(hours=2), resolution=Target(business_days=1), calendar="business"
        ),
        Severity.L3: LevelPolicy(
            response=Target(business_days=1),
            resolution=Target(business_days=5),
            calendar="business",
        ),
    }
)


class Closure(BaseModel):
    start: AwareDatetime
    end: AwareDatetime
    reason: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Closure:
        if self.end <= self.start:
            raise Invalid("a closure ends after it starts", "停止服務的結束時間須晚於開始時間")
        if self.end - self.start > timedelta(days=MAX_CLOSURE_DAYS):
            raise Invalid(
                f"a closure lasts at most {MAX_CLOSURE_DAYS} days",
                f"停止服務最長 {MAX_CLOSURE_DAYS} 天",
            )
        return self


class CalendarConfig(BaseModel):
    """A site's business calendar: zone, working hours per weekday (breaks are gaps between
    ranges, ``00:00`` as an end is midnight), public holidays by country/region, closures."""

    model_config = ConfigDict(extra="forbid")

    timezone: str = "Asia/Taipei"
    hours: dict[Weekday, list[str]] = Field(
        default_factory=lambda: {d: ["08:30-12:00", "13:00-17:30"] for d in WEEKDAYS[:5]},
        description="上班時間 / working hours by weekday (mon…sun), HH:MM-HH:MM local ranges",
    )
    holiday_country: str | None = "TW"
    holiday_subdivision: str | None = None
    closed_days: list[date] = Field(
        default_factory=list, max_length=2000,
        description="休息日 / days without working time (dates, YYYY-MM-DD, local)",
    )  # fmt: skip
    closures: list[Closure] = Field(default_factory=list, max_length=2000)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise Invalid(f"unknown time zone {zone!r}", "無法辨識的時區") from None
        return zone

    @field_validator("hours")
    @classmethod
    def _parseable(cls, hours: dict[Weekday, list[str]]) -> dict[Weekday, list[str]]:
        for ranges in hours.values():
            parse_hours(ranges)
        return hours

    @model_validator(mode="after")
    def _known_country(self) -> CalendarConfig:
        if self.holiday_country:
            import holidays

            try:
                holidays.country_holidays(self.holiday_country, subdiv=self.holiday_subdivision)
            except NotImplementedError:
                raise Invalid(
                    f"no public holidays known for {self.holiday_country}"
                    f"/{self.holiday_subdivision}",
                    "查無此國家或地區的國定假日",
                ) from None
        return self

    @model_validator(mode="after")
    def _working_time_in_every_stretch(self, info: ValidationInfo) -> CalendarConfig:
        if not any(parse_hours(ranges) for ranges in self.hours.values()):
            raise Invalid("hours: the week has no working hours at all", "一週中沒有任何上班時間")
        if (info.context or {}).get("stored"):
            return self  # checked when it was saved; every event reads it again: keep it cheap
        gap = self.build("check").longest_closed_stretch(
            [*self.closed_days, *(c.start.date() for c in self.closures)]
        )
        if gap >= WORKING_TIME_EVERY_DAYS:
            raise Invalid(
                f"closed_days/closures: {gap} days in a row without working time "
                f"(at most {WORKING_TIME_EVERY_DAYS - 1}); no deadline could fall due",
                f"休息日與停止服務連續 {gap} 天沒有上班時間"
                f"（最多 {WORKING_TIME_EVERY_DAYS - 1} 天），時限將無法到期",
            )
        return self

    def build(self, key: str) -> BusinessCalendar:
        return BusinessCalendar(
            key=key,
            zone=ZoneInfo(self.timezone),
            week=tuple(parse_hours(self.hours.get(day, [])) for day in WEEKDAYS),
            holiday_country=self.holiday_country,
            holiday_subdivision=self.holiday_subdivision,
            closed_days=frozenset(self.closed_days),
            closures=tuple((c.start, c.end) for c in self.closures),
        )


ALWAYS_OPEN = AlwaysOpen()


def calendar_for(level: LevelPolicy, site_calendar: BusinessCalendar) -> Calendar:
    return ALWAYS_OPEN if level.calendar == "24x7" else site_calendar


@dataclass(frozen=True)
class SlaDefaults:
    """What applies where a site or category has nothing of its own."""

    calendar: CalendarConfig = dataclass_field(default_factory=CalendarConfig)
    policy: SlaPolicy = dataclass_field(default_factory=lambda: DEFAULT_POLICY)
