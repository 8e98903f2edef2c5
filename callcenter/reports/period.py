"""Report periods: local calendar days of the centre, turned into a half-open UTC range."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from callcenter.errors import CallcenterError


class PeriodError(CallcenterError):
    """A report period that cannot be read (bad date, end before start)."""


@dataclass(frozen=True)
class Period:
    """Local days ``first`` … ``last`` inclusive, in the centre's time zone."""

    first: dt.date
    last: dt.date
    timezone: str = "Asia/Shanghai"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(0), self.zone).astimezone(dt.UTC)

    @property
    def end(self) -> dt.datetime:
        """Exclusive end: local midnight after ``last``."""
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(0), self.zone).astimezone(dt.UTC)

    @property
    def utc_offset_minutes(self) -> int:
        """The zone's offset at the start of the period (used where the database has no zone rules)."""
        offset = dt.datetime.combine(self.first, dt.time(12), self.zone).utcoffset() or dt.timedelta(0)
        return int(offset.total_seconds() // 60)

    def label(self) -> str:
        return self.first.isoformat() if self.first == self.last else f"{self.first} – {self.last}"


# Days a report can name: wide enough for any hotline's records, narrow enough that every
# conversion (time zones, the day after) stays within what dates and databases hold.
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


def parse_day(text: str, name: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(f"{name} {text[:40]!r} is not a date like 2026-11-25") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise PeriodError(f"{name} {day} is out of range: pick a day from {FIRST_DAY} to {LAST_DAY}")
    return day


def make_period(first: str | None, last: str | None, today: dt.date, timezone: str) -> Period:
    """``--from``/``--to`` as typed by a person; either may be missing (default: today)."""
    start = parse_day(first, "from") if first else None
    end = parse_day(last, "to") if last else None
    start = start or end or today
    end = end or (start if first else today)
    if end < start:
        raise PeriodError(f"period ends ({end}) before it starts ({start})")
    if (end - start).days > 366 * 3:
        raise PeriodError("period longer than three years; pick a shorter one")
    return Period(start, end, timezone)


def local_today(now: dt.datetime, timezone: str) -> dt.date:
    return now.astimezone(ZoneInfo(timezone)).date()
