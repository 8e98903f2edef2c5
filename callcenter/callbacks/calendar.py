"""When the centre may call a customer: calling hours (no callbacks at night) and opening hours
(R18). Pure; times are aware UTC in and out, judged in the centre's local time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from callcenter.hotline import CallbackPolicy, Hours


def within_calling_hours(when: dt.datetime, policy: CallbackPolicy, tz: ZoneInfo) -> dt.datetime:
    """``when`` if it falls inside calling hours, else the next calling_hours_start (local)."""
    local = when.astimezone(tz)
    start, end = policy.calling_hours_start, policy.calling_hours_end
    if start <= local.time() < end:
        return when
    day = local.date() if local.time() < start else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, start, tzinfo=tz).astimezone(dt.UTC)


def next_opening(when: dt.datetime, hours: Hours, tz: ZoneInfo) -> dt.datetime:
    """R18: ``when`` if the centre is open then, else the moment it next opens."""
    local = when.astimezone(tz)
    for offset in range(8):
        day = local.date() + dt.timedelta(days=offset)
        if day.isoweekday() not in hours.days:
            continue
        opens = dt.datetime.combine(day, hours.open, tzinfo=tz)
        closes = dt.datetime.combine(day, hours.close, tzinfo=tz)
        if local < closes:
            return max(local, opens).astimezone(dt.UTC)
    raise ValueError("the centre never opens (hours.days is empty)")
