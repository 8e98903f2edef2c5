"""Migration 0014 (issue 11): a message callback is keyed by PBX name and Linkedid. A callback made
before the upgrade (keyed by the Linkedid alone) takes the new key from its stored message, so the
same message decided again after the upgrade (a replayed spool, a double delivery) is not called
back twice, while another PBX's message with the same Linkedid gets its own callback (R12, R18)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from sqlalchemy import select

from callcenter.callbacks.runtime import CallbackRuntime
from callcenter.clock import FrozenClock
from callcenter.db.models.callbacks import Callback
from callcenter.db.models.calls import LeftMessage
from callcenter.db.session import alembic_config, make_engine, make_session_factory, migrate, unit_of_work
from callcenter.hotline import load_hotline
from callcenter.messages import MessageLeft, SupervisorAlert

LINKEDID = "1795640000.7"
CALLER = "13800138000"
LEFT = dt.datetime(2026, 11, 25, 14, 30, tzinfo=dt.UTC)  # 22:30 in Shanghai: after hours


async def test_a_message_called_back_before_the_upgrade_is_not_called_back_again(database_url: str,
                                                                                 hotline_path: Path) -> None:
    command.downgrade(alembic_config(database_url), "0013_left_messages")
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    try:
        with unit_of_work(sessions) as s:
            row = LeftMessage(server="pbx-b", linkedid=LINKEDID, caller=CALLER, reason="after_hours",
                              department="repair", agent_id=None, recording=None, left_at=LEFT,
                              awaiting_decisions=False)
            s.add(row)
            s.flush()
            message_id = row.id
            s.add(Callback(caller=CALLER, reason="message", due_at=LEFT, promised_at=LEFT, status="pending",
                           attempts=0, created_at=LEFT, dedupe_key=f"message:{LINKEDID}",
                           department="repair"))
        migrate(database_url)
        alerts: list[SupervisorAlert] = []
        runtime = CallbackRuntime(load_hotline(hotline_path), sessions, FrozenClock(LEFT), alerts.append,
                                  lambda: None)
        again = MessageLeft(LINKEDID, CALLER, "after_hours", "repair", None, None, LEFT.timestamp(),
                            server="pbx-b", message_id=message_id)
        await runtime.on_message_left(again)
        other_pbx = MessageLeft(LINKEDID, "13900139000", "after_hours", "repair", None, None,
                                LEFT.timestamp(), server="pbx-a")
        await runtime.on_message_left(other_pbx)
        with unit_of_work(sessions) as s:
            keys = {(c.caller, c.dedupe_key) for c in s.scalars(select(Callback))}
    finally:
        engine.dispose()
    assert keys == {(CALLER, f"message:pbx-b:{LINKEDID}"), ("13900139000", f"message:pbx-a:{LINKEDID}")}
    command.downgrade(alembic_config(database_url), "0013_left_messages")  # and back, for a rollback
    engine = make_engine(database_url)
    try:
        with unit_of_work(make_session_factory(engine)) as s:
            assert {c.dedupe_key for c in s.scalars(select(Callback))} == {f"message:{LINKEDID}",
                                                                          f"message:pbx-a:{LINKEDID}"}
    finally:
        engine.dispose()
