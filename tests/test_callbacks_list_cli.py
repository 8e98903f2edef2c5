"""``callcenter callbacks list`` as an operator of a Chinese centre reads it: due times in the
hotline's local time, how many callbacks wait for later instead of "no callbacks due", and
``--json`` always an array (``[]`` when nothing is listed)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from callcenter.callbacks.cli import app
from callcenter.callbacks.policies import Plan
from callcenter.callbacks.store import apply
from callcenter.db.session import unit_of_work

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _tomorrow_at_eight() -> dt.datetime:
    today = dt.datetime.now(SHANGHAI).date()
    return dt.datetime.combine(today + dt.timedelta(days=1), dt.time(8, 0), SHANGHAI)


def _env(database_url: str, hotline_path: Path) -> dict[str, str]:
    return {"CALLCENTER_DATABASE_URL": database_url, "CALLCENTER_HOTLINE": str(hotline_path)}


def test_an_empty_list_in_json_is_an_empty_array(sessions: sessionmaker[Session], database_url: str,
                                                 hotline_path: Path) -> None:
    listed = CliRunner().invoke(app, ["list", "--json"], env=_env(database_url, hotline_path))
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.output) == []


def test_callbacks_waiting_for_the_morning_are_counted_with_the_local_time_they_are_due(
        sessions: sessionmaker[Session], database_url: str, hotline_path: Path) -> None:
    morning = _tomorrow_at_eight()
    now = dt.datetime.now(dt.UTC)
    plans = [Plan("message", morning + dt.timedelta(minutes=i), f"1380013{i:04d}", f"m{i}",
                  department="service") for i in range(20)]
    plans.append(Plan("abandoned", now - dt.timedelta(minutes=5), "13900139000", "due", department="service"))
    with unit_of_work(sessions) as s:
        apply(s, plans, now - dt.timedelta(hours=1))
    env = _env(database_url, hotline_path)

    due = CliRunner().invoke(app, ["list"], env=env)
    assert due.exit_code == 0, due.output
    lines = due.output.splitlines()
    assert len([line for line in lines if line.startswith("#")]) == 1
    # Chinese first, then the same in English (the command line has no ?lang=).
    assert (f"另有 20 条稍后到期（最近一条 {morning:%Y-%m-%d} 08:00 Asia/Shanghai），--upcoming 可列出 / "
            f"20 more wait for later (the next due {morning:%Y-%m-%d} 08:00 Asia/Shanghai)") in due.output
    assert "+00:00" not in due.output and "no callbacks due" not in due.output

    upcoming = CliRunner().invoke(app, ["list", "--upcoming"], env=env)
    assert f"due {morning:%Y-%m-%d} 08:00" in upcoming.output and "+00:00" not in upcoming.output
    rows = json.loads(CliRunner().invoke(app, ["list", "--json", "--upcoming"], env=env).output)
    assert len(rows) == 21
    assert dt.datetime.fromisoformat(rows[-1]["due_at"]).utcoffset() == dt.timedelta(hours=8)
