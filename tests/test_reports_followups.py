"""The follow-up report against hand-computed figures: tickets by category and status,
callbacks on time / late / overdue (R6-R8), complaint replies within 48 h (R7), satisfaction per
owner (R21), quality findings per agent (R16); on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from callcenter.db.models.callbacks import Callback, CallbackLog
from callcenter.db.models.tickets import QualityFinding, Ticket
from callcenter.db.session import make_engine, make_session_factory, unit_of_work
from callcenter.reports.followups import followup_report
from tests.test_reports_answer_times import DAY, PERIOD, local

NOW = local(12, 0, DAY + dt.timedelta(days=3))
H = dt.timedelta(hours=1)


def ticket(n: int, category: str, status: str, owner: str, at: dt.datetime,
           mark: int | None = None) -> Ticket:
    return Ticket(id=n, caller="13800138000", category=category, status=status, owner=owner, created_at=at,
                  updated_at=at, satisfaction=mark, summary="", missing_fields=[])


def callback(n: int, reason: str, due: dt.datetime, status: str, done_at: dt.datetime | None = None,
             ticket_id: int | None = None) -> tuple[Callback, list[CallbackLog]]:
    cb = Callback(id=n, ticket_id=ticket_id, caller="13800138000", owner="101", reason=reason, due_at=due,
                  promised_at=due,
                  status=status, attempts=1, created_at=due - H, dedupe_key=f"k{n}")
    logs = [CallbackLog(callback_id=n, at=due - 2 * H, kind="created")]
    if done_at is not None:
        logs.append(CallbackLog(callback_id=n, at=done_at, kind="answered"))
    return cb, logs


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    t0 = local(9, 0)
    with unit_of_work(sessions) as s:
        s.add_all([ticket(1, "complaint", "open", "101", t0, mark=None),
                   ticket(2, "complaint", "done", "102", t0, mark=2),
                   ticket(3, "complaint", "open", "101", t0),
                   ticket(4, "repair", "done", "201", t0, mark=5),
                   ticket(5, "repair", "done", "201", t0, mark=4),
                   ticket(6, "inquiry", "closed", "101", t0 - 48 * H)])  # the day before: not in the period
        s.flush()
        made = [callback(1, "complaint_48h", t0 + 48 * H, "done", t0 + 20 * H, ticket_id=1),   # in time
                callback(2, "complaint_48h", t0 + 48 * H, "done", t0 + 50 * H, ticket_id=2),   # late
                callback(3, "complaint_48h", t0 + 48 * H, "pending", ticket_id=3),            # overdue at NOW
                callback(4, "inquiry_30min", t0 + 0.5 * H, "done", t0 + 0.4 * H),
                callback(5, "inquiry_30min", t0 + 0.6 * H, "pending"),                        # overdue
                callback(6, "abandoned", t0 + 1 * H, "cancelled")]
        for cb, logs in made:
            s.add(cb)
            s.flush()
            s.add_all(logs)
        s.add_all([QualityFinding(call_id=None, agent_id="101", kind="forbidden_phrase", detail="不知道",
                                  created_at=t0),
                   QualityFinding(call_id=None, agent_id="101", kind="closing_missing", created_at=t0),
                   QualityFinding(call_id=None, agent_id="102", kind="forbidden_phrase", detail="随便",
                                  created_at=t0)])
    with unit_of_work(sessions) as s:
        yield s
    engine.dispose()


def test_tickets_by_category_and_status(session: Session) -> None:
    report = followup_report(session, PERIOD, NOW)
    assert report.tickets == {"complaint": {"open": 2, "done": 1}, "repair": {"done": 2}}


def test_callbacks_on_time_late_and_overdue_r6_r7(session: Session) -> None:
    cbs = followup_report(session, PERIOD, NOW).callbacks
    assert cbs["inquiry_30min"] == {"promised": 2, "on_time": 1, "late": 0, "overdue": 1, "to_come": 0,
                                    "cancelled": 0}
    assert cbs["abandoned"]["cancelled"] == 1
    # The complaint callbacks are promised two days later: outside a one-day period.
    assert "complaint_48h" not in cbs


def test_complaints_are_replied_within_48_hours_r7(session: Session) -> None:
    assert followup_report(session, PERIOD, NOW).complaints == {
        "complaints": 3, "replied_in_time": 1, "replied_late": 1, "overdue": 1, "waiting": 0}


def test_satisfaction_per_owner_r21(session: Session) -> None:
    sat = followup_report(session, PERIOD, NOW).satisfaction
    assert sat["201"]["n"] == 2 and sat["201"]["average"] == 4.5
    assert sat["102"]["marks"][2] == 1
    assert "101" not in sat  # no marks given


def test_quality_findings_per_agent_r16(session: Session) -> None:
    assert followup_report(session, PERIOD, NOW).findings == {
        "101": {"forbidden_phrase": 1, "closing_missing": 1}, "102": {"forbidden_phrase": 1}}
