"""`make run` at night: the demo keeps the centre open so calls reach agents, and says so (R18)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from callcenter.config import load_settings
from callcenter.runner import demo_hours


def test_demo_started_after_hours_keeps_the_centre_open_and_says_so(
        hotline_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path)})
    night = dt.datetime(2026, 11, 25, 21, 30, tzinfo=dt.UTC)  # 05:30 in Asia/Shanghai: closed
    assert not settings.hotline.is_open(night.astimezone(dt.timezone(dt.timedelta(hours=8))))
    demo = demo_hours(settings, night)
    assert demo.hotline.is_open(night.astimezone(dt.timezone(dt.timedelta(hours=8))))
    # ...and its callbacks, dialled only within calling hours, are dialled at night too.
    calling = demo.hotline.callbacks
    assert calling.calling_hours_start <= dt.time(5, 30) < calling.calling_hours_end
    assert "closed now" in capsys.readouterr().out


def test_demo_started_in_opening_hours_keeps_the_configured_hours(
        hotline_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path)})
    morning = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)  # 10:00 in Asia/Shanghai: open
    assert demo_hours(settings, morning) is settings
    assert capsys.readouterr().out == ""
