"""Opening hours in the centre's own time zone (R18: a 24-hour hotline; outside the staffed hours
callers leave a message and are called back when the centre opens)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from callcenter.errors import ConfigError
from callcenter.hotline import Hotline


@lru_cache(maxsize=8)
def centre_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError("centre.timezone", f"{name!r} is not a known time zone (install tzdata)") from None


def local_time(hotline: Hotline, now: dt.datetime) -> dt.datetime:
    """``now`` (aware, any zone) as the centre's wall-clock time."""
    return now.astimezone(centre_zone(hotline.centre.timezone))


def is_open(hotline: Hotline, now: dt.datetime) -> bool:
    """Whether the centre is staffed at the aware instant ``now`` (R18)."""
    return hotline.is_open(local_time(hotline, now).replace(tzinfo=None))
