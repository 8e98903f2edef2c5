"""The schema migrates on SQLite and on PostgreSQL, and stores a call with its legs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect, select

from callcenter.db.models.calls import Call, CallLeg
from callcenter.db.session import make_engine, make_session_factory, migrate, unit_of_work


def test_migrations_create_the_call_tables_and_are_idempotent(database_url: str) -> None:
    migrate(database_url)  # a second upgrade is a no-op, not an error
    engine = make_engine(database_url)
    tables = set(inspect(engine).get_table_names())
    assert {"calls", "call_legs", "call_holds", "agents", "call_events", "alembic_version"} <= tables
    engine.dispose()


def test_a_call_with_rolled_over_legs_round_trips_r13(database_url: str) -> None:
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    t0 = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
    with unit_of_work(sessions) as s:
        call = Call(linkedid="1795634553.8", caller="13800138000", started_at=t0,
                    ended_at=t0 + dt.timedelta(seconds=40),
                    answered=True, ring_seconds=21.0, rings=5, within_rule=False, greeting="apology",
                    hangup_first="caller")
        call.legs = [
            CallLeg(channel="Local/agent1@agents-1;1", started_at=t0, ring_seconds=15.0, outcome="no_answer"),
            CallLeg(channel="Local/agent2@agents-2;1", started_at=t0 + dt.timedelta(seconds=16),
                    ring_seconds=5.0,
                    outcome="answered"),
        ]
        s.add(call)
    with unit_of_work(sessions) as s:
        stored = s.scalars(select(Call)).one()
        assert [leg.outcome for leg in stored.legs] == ["no_answer", "answered"]
        assert stored.started_at == t0  # aware UTC on both databases
        assert stored.greeting == "apology"
    engine.dispose()
