"""R14/R15: the caller's open matter, its owner, their name and history, read from the tickets
and calls tables on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect

from callcenter.db.models.calls import Call
from callcenter.db.models.tickets import Ticket
from callcenter.db.session import make_engine, make_session_factory, unit_of_work
from callcenter.tickets.history import caller_history, known_caller_name, open_ticket_owner

T0 = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


def _ticket(caller: str, owner: str, status: str, minutes: int, name: str | None = None) -> Ticket:
    return Ticket(caller=caller, owner=owner, status=status, category="repair", caller_name=name,
                  address="3栋2单元501", summary="水管漏水", created_at=T0 + dt.timedelta(minutes=minutes),
                  updated_at=T0, secondary_categories=[], missing_fields=[])


def test_migration_creates_ticket_tables(database_url: str) -> None:
    engine = make_engine(database_url)
    tables = set(inspect(engine).get_table_names())
    assert {"tickets", "quality_findings", "ticket_calls", "ticket_owner_changes"} <= tables
    engine.dispose()


def test_open_ticket_owner_is_the_owner_of_the_newest_open_matter_r14(database_url: str) -> None:
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    with unit_of_work(sessions) as s:
        s.add_all([_ticket("13800000001", "101", "open", 0), _ticket("13800000001", "102", "in_progress", 5),
                   _ticket("13800000001", "103", "closed", 10), _ticket("13800000002", "201", "done", 0)])
    with unit_of_work(sessions) as s:
        assert open_ticket_owner(s, "13800000001") == "102"
        assert open_ticket_owner(s, "13800000002") is None  # done is no longer open
        assert open_ticket_owner(s, "13999999999") is None
        assert open_ticket_owner(s, None) is None
    engine.dispose()


def test_known_name_prefers_the_ticket_then_caller_id_name_r15(database_url: str) -> None:
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    with unit_of_work(sessions) as s:
        s.add(_ticket("13800000001", "101", "closed", 0, name="王先生"))
        s.add(Call(linkedid="a.1", caller="13800000003", caller_name="ZHANG", started_at=T0, ended_at=T0,
                   hangup_first="caller"))
    with unit_of_work(sessions) as s:
        assert known_caller_name(s, "13800000001") == "王先生"
        assert known_caller_name(s, "13800000003") == "ZHANG"
        assert known_caller_name(s, "13800000009") is None
    engine.dispose()


def test_caller_history_lists_open_tickets_and_last_calls_r15(database_url: str) -> None:
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    with unit_of_work(sessions) as s:
        s.add_all([_ticket("13800000001", "101", "open", 0, name="李秀英"),
                   _ticket("13800000001", "101", "closed", 1)])
        for i in range(7):
            s.add(Call(linkedid=f"b.{i}", caller="13800000001", started_at=T0 + dt.timedelta(hours=i),
                       ended_at=T0 + dt.timedelta(hours=i, minutes=2), answered=True, hangup_first="caller"))
    with unit_of_work(sessions) as s:
        history = caller_history(s, "13800000001")
    assert history.name == "李秀英" and history.address == "3栋2单元501"
    assert [t.status for t in history.open_tickets] == ["open"]
    assert len(history.last_calls) == 5 and history.last_calls[0].started_at == T0 + dt.timedelta(hours=6)
    assert history.is_repeat
    engine.dispose()
