"""Two saves of one agent's wrap-up pause at the same moment (two front ends, or a new wrap-up
while the last one's save is still on its way) both succeed and leave one row with one end, on
SQLite and PostgreSQL: a save that read "no row yet" and then inserted ran into the other's
insert (UNIQUE wrap_up_pauses.agent_id) and the pause's end was not stored."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import event, select

from callcenter.agents.wrap_ups import WrapUpStore
from callcenter.db.models.agents import WrapUpPause
from callcenter.db.session import make_engine, make_session_factory, unit_of_work

T0 = 1_796_000_000.0


def _reads_meet(engine: Any, parties: int) -> threading.Barrier:
    """Each thread's first read waits, once done, until every save has done its own: the worst
    interleaving for a save that reads before it writes (a save that does not read never waits)."""
    barrier = threading.Barrier(parties)
    passed = threading.local()

    @event.listens_for(engine, "after_cursor_execute")
    def meet(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and not getattr(passed, "done", False):
            passed.done = True
            barrier.wait(timeout=30)  # a safety net against a hang, not a measured time

    return barrier


def test_two_saves_of_one_agents_wrap_up_at_once_both_succeed(database_url: str) -> None:
    engine = make_engine(database_url)
    store = WrapUpStore(make_session_factory(engine))
    _reads_meet(engine, 2)
    errors: list[BaseException] = []

    def save(until: float) -> None:
        try:
            store.save("1001", "PJSIP/1001", until)
        except BaseException as exc:  # noqa: BLE001 (the failure is the finding)
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(T0 + n,)) for n in (30, 60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    engine.dispose()
    reader = make_engine(database_url)  # without the meeting point
    with unit_of_work(make_session_factory(reader)) as session:
        rows = session.scalars(select(WrapUpPause)).all()
        assert [(r.agent_id, r.interface) for r in rows] == [("1001", "PJSIP/1001")]
        assert rows[0].until.timestamp() in (T0 + 30, T0 + 60)
    reader.dispose()


def test_a_later_save_moves_the_stored_end(database_url: str) -> None:
    engine = make_engine(database_url)
    store = WrapUpStore(make_session_factory(engine))
    store.save("1001", "PJSIP/1001", T0 + 30)
    store.save("1001", "PJSIP/1001", T0 + 90)
    assert store.load() == {"1001": T0 + 90}
    store.clear("1001")
    assert store.load() == {}
    engine.dispose()
