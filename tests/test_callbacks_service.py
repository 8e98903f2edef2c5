"""What people do with callbacks (contract C6) on SQLite and PostgreSQL: an agent's due list,
supervisors' list overdue first, run now, reschedule with a reason, close with an outcome; and
the same through ``callcenter callbacks …`` (R7, R14, R17, R22)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from callcenter.callbacks import service
from callcenter.callbacks.cli import app
from callcenter.callbacks.policies import Plan, PolicySettings
from callcenter.callbacks.service import CallbackError
from callcenter.callbacks.store import apply
from callcenter.db.models.callbacks import Callback, CallbackLog
from callcenter.db.models.tickets import Ticket
from callcenter.db.session import make_engine, make_session_factory, unit_of_work
from callcenter.hotline import load_hotline

NOW = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


def minutes(n: int) -> dt.datetime:
    return NOW + dt.timedelta(minutes=n)


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    plans = [Plan("inquiry_30min", minutes(-5), "13800138001", "a", owner="101", department="service"),
             Plan("abandoned", minutes(-40), "13800138002", "b", department="service"),
             Plan("dropped", minutes(-1), "13800138003", "c", owner="102", department="billing"),
             Plan("message", minutes(30), "13800138004", "d", owner="101", department="service"),
             Plan("abandoned", minutes(-2), "13800138005", "e", department="repair")]
    with unit_of_work(factory) as s:
        apply(s, plans, minutes(-60))
    yield factory
    engine.dispose()


def keys(rows: list[Callback]) -> list[str]:
    return [cb.dedupe_key for cb in rows]


def test_an_agent_sees_own_and_unowned_department_callbacks_that_are_due(
        sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as s:
        assert keys(service.due_for(s, "101", NOW, departments=["service", "repair"])) == ["b", "a", "e"]
        assert keys(service.due_for(s, "101", NOW, departments=["service"], include_upcoming=True)) == [
            "b", "a", "d"]


def test_supervisors_see_everyone_overdue_first(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as s:
        assert keys(service.due_for(s, None, NOW, include_upcoming=True)) == ["b", "a", "e", "c", "d"]


def _id(s: Session, key: str) -> int:
    return s.scalars(select(Callback.id).where(Callback.dedupe_key == key)).one()


def test_run_now_makes_a_callback_due_and_revives_a_failed_one(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as s:
        cb = s.get(Callback, _id(s, "d"))
        assert cb is not None
        cb.status, cb.attempts = "failed", 3
        service.run_now(s, cb.id, NOW, by="900")
        assert (cb.status, cb.due_at, cb.attempts) == ("pending", NOW, 0)


def test_r8_reschedule_needs_a_reason_and_a_time_zone_and_keeps_both(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as s:
        callback_id = _id(s, "a")
        with pytest.raises(CallbackError, match="why"):
            service.reschedule(s, callback_id, minutes(60), "  ", NOW)
        with pytest.raises(CallbackError, match="time zone"):
            service.reschedule(s, callback_id, dt.datetime(2026, 11, 25, 15, 0), "客户要求下午再打", NOW)
        cb = service.reschedule(s, callback_id, minutes(60), "客户要求下午再打", NOW, by="101")
        assert (cb.due_at, cb.promised_at, cb.note) == (minutes(60), minutes(60), "客户要求下午再打")
        details = s.scalars(select(CallbackLog.detail).where(CallbackLog.callback_id == callback_id)).all()
        assert any("客户要求下午再打" in d and "101" in d for d in details)


def test_close_records_the_outcome_and_refuses_twice(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as s:
        callback_id = _id(s, "c")
        cb = service.close(s, callback_id, "已回电，问题已解决", NOW)
        assert (cb.status, cb.outcome) == ("done", "已回电，问题已解决")
        with pytest.raises(CallbackError, match="already done"):
            service.close(s, callback_id, "again", NOW)
        with pytest.raises(CallbackError, match="does not exist"):
            service.run_now(s, 99999, NOW)


def test_r7_closing_a_complaint_reply_plans_the_next_follow_up(sessions: sessionmaker[Session],
                                                                hotline_path: Path) -> None:
    cfg = PolicySettings.from_hotline(load_hotline(hotline_path))
    with unit_of_work(sessions) as s:
        ticket = Ticket(caller="13800138009", category="complaint", status="in_progress", owner="101",
                        department="service", summary="", secondary_categories=[], missing_fields=[],
                        created_at=NOW, updated_at=NOW)
        s.add(ticket)
        s.flush()
        apply(s, [Plan("complaint_48h", NOW, "13800138009", "t", owner="101", ticket_id=ticket.id)], NOW)
        service.close(s, _id(s, "t"), "经理已回复，客户仍不满意", NOW, cfg=cfg)
        followup = s.scalars(select(Callback).where(Callback.reason == "complaint_followup")).one()
        assert followup.due_at == NOW + dt.timedelta(days=1) and followup.ticket_id == ticket.id


def test_cli_lists_masked_numbers_and_reschedules(database_url: str, sessions: sessionmaker[Session],
                                                   hotline_path: Path) -> None:
    env = {"CALLCENTER_DATABASE_URL": database_url, "CALLCENTER_HOTLINE": str(hotline_path)}
    runner = CliRunner()
    listed = runner.invoke(app, ["list", "--json", "--upcoming"], env=env)
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert len(rows) == 5 and rows[0]["caller"] == "138****8002"  # R17: masked by default
    callback_id = rows[0]["id"]
    moved = runner.invoke(app,
                          ["reschedule", str(callback_id), "2026-11-26T09:30+08:00", "--reason", "客户出差"],
                          env=env)
    assert moved.exit_code == 0 and "due 2026-11-26 09:30 (Asia/Shanghai)" in moved.output
    bad = runner.invoke(app, ["reschedule", str(callback_id), "tomorrow", "--reason", "x"], env=env)
    assert bad.exit_code != 0 and "not a date and time" in bad.output
    closed = runner.invoke(app, ["close", str(callback_id), "--outcome", "已联系"], env=env)
    assert closed.exit_code == 0 and "done" in closed.output
