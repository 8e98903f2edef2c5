"""Durations as people read them, one home for every page and export: ring, wait and hold times
to one decimal of a second (``4.8``), a conversation as minutes and seconds (``2:12``); never the
raw float the PBX's timestamps give (``4.832150936126709``)."""

from __future__ import annotations

import math


def seconds_text(value: float | None, empty: str = "") -> str:
    """``4.832…`` → ``4.8`` (seconds, one decimal)."""
    return empty if value is None else f"{value:.1f}"


def seconds_value(value: float | None) -> float | None:
    """The same one decimal as a number, for the CSV and XLSX exports (a spreadsheet sums it)."""
    return None if value is None else round(value, 1)


def minutes_text(value: float | None, empty: str = "") -> str:
    """``131.9…`` → ``2:12`` (a conversation: whole seconds, rounded)."""
    if value is None:
        return empty
    total = math.floor(value + 0.5)
    return f"{total // 60}:{total % 60:02d}"
