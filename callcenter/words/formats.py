"""Times, durations and numbers as people read them, through Babel: times in the hotline's zone
(never UTC, never the viewer's browser zone), ring/wait/hold to one decimal of a second, a
conversation as 2分12秒 / 2 min 12 s, percentages to one decimal; never the raw float the PBX's
timestamps give."""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_timedelta
from babel.numbers import format_decimal

from callcenter.words.catalogue import locale_of

PATTERNS = {
    "datetime": "yyyy-MM-dd HH:mm:ss",  # tables: sorts as text, the same in both languages
    "minute": "yyyy-MM-dd HH:mm",
    "time": "HH:mm:ss",
    "precise": "HH:mm:ss.SSS",  # raw AMI events
    "clock": "HH:mm",
}


def local_time(at: dt.datetime | float | None, zone: str | dt.tzinfo, lang: str,
               pattern: str = "datetime") -> str:
    """An instant (a datetime, or seconds since the epoch as AMI stamps events) in the hotline's
    zone; a naive datetime is read as UTC (how the database keeps them). ``pattern`` is a name of
    PATTERNS or Babel's ``short``/``medium``/``long``."""
    if at is None:
        return ""
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    if isinstance(at, (int, float)):
        at = dt.datetime.fromtimestamp(at, dt.UTC)
    aware = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return format_datetime(aware, PATTERNS.get(pattern, pattern), tzinfo=tz, locale=locale_of(lang))


def seconds_text(value: float | None, empty: str = "", lang: str = "zh") -> str:
    """``4.832…`` → ``4.8`` (seconds, one decimal)."""
    return empty if value is None else format_decimal(round(value, 1), "0.0", locale=locale_of(lang))


def seconds_value(value: float | None) -> float | None:
    """The same one decimal as a number, for the CSV and XLSX exports (a spreadsheet sums it)."""
    return None if value is None else round(value, 1)


_TALK_UNITS = {"zh": ("小时", "分", "秒"), "en": (" h ", " min ", " s")}


def talk_text(value: float | None, lang: str, empty: str = "") -> str:
    """A conversation in whole seconds, rounded: ``131.9…`` → ``2分12秒`` / ``2 min 12 s``
    (``45秒``, ``1小时02分05秒`` / ``45 s``, ``1 h 02 min 05 s``): the one form of a talk time,
    on the pages and the desk alike."""
    if value is None:
        return empty
    hour, minute, second = _TALK_UNITS["en" if lang == "en" else "zh"]
    total = math.floor(value + 0.5)
    hours, minutes, seconds = total // 3600, total // 60 % 60, total % 60
    if hours:
        return f"{hours}{hour}{minutes:02d}{minute}{seconds:02d}{second}".strip()
    if minutes:
        return f"{minutes}{minute}{seconds:02d}{second}".strip()
    return f"{seconds}{second}".strip()


def duration_text(value: float | None, lang: str, empty: str = "") -> str:
    """A longer span in words: ``2分钟`` / ``2 minutes`` (longest waits, holds)."""
    if value is None:
        return empty
    return format_timedelta(dt.timedelta(seconds=value), threshold=1.5, locale=locale_of(lang))


def number_text(value: float | int | None, lang: str, empty: str = "–") -> str:
    """Counts as integers, other figures to one decimal (``76.9``), grouped by the locale."""
    if value is None:
        return empty
    if isinstance(value, int) or float(value).is_integer():
        return format_decimal(int(value), locale=locale_of(lang))
    return format_decimal(round(value, 1), "#,##0.0", locale=locale_of(lang))


def percent_text(value: float | None, lang: str, empty: str = "–") -> str:
    """A percentage already in 0–100: ``76.9%``."""
    return empty if value is None else format_decimal(round(value, 1), "0.0", locale=locale_of(lang)) + "%"
