"""Routing with the real caller history (contract C5: callcenter.tickets.history) on SQLite and
PostgreSQL: a repeat caller with an open ticket rings its free owner first (R14), greeted by the
name the centre knows (R15)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from callcenter.bus import EventBus
from callcenter.clock import FrozenClock
from callcenter.config import load_settings
from callcenter.db.models.tickets import Ticket
from callcenter.db.session import make_engine, make_session_factory, unit_of_work
from callcenter.ivr.component import IvrComponent
from callcenter.ivr.history import CallerFacts, TicketsHistory
from callcenter.messages import AgentStateChanged
from callcenter.service import ServiceContext
from tests.test_ivr_agi import OPEN, Channel, agi_session, trace_environment


@pytest.fixture
async def ctx(database_url: str, hotline_path: Path, tmp_path: Path) -> AsyncIterator[ServiceContext]:
    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path), "CALLCENTER_VAR_DIR": str(tmp_path)})
    engine = make_engine(database_url)
    context = ServiceContext(settings=dataclasses.replace(settings, agi_port=0, database_url=database_url),
                             bus=EventBus(), engine=engine, sessions=make_session_factory(engine),
                             clock=FrozenClock(OPEN))
    yield context
    engine.dispose()


def _ticket(caller: str, owner: str | None, status: str, name: str | None, age_hours: int) -> Ticket:
    at = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC) - dt.timedelta(hours=age_hours)
    return Ticket(caller=caller, caller_name=name, category="repair", owner=owner, status=status,
                  summary="水管漏水", created_at=at, updated_at=at)


def test_facts_come_from_the_newest_open_ticket(ctx: ServiceContext) -> None:
    with unit_of_work(ctx.sessions) as session:
        session.add_all([_ticket("13800138000", "101", "closed", "王先生", 1),
                         _ticket("13800138000", "201", "open", "王建国", 5)])
    history = TicketsHistory(ctx.sessions)
    assert history.facts("13800138000") == CallerFacts(owner="201", name="王先生")
    assert history.facts("13900000001") == CallerFacts()


async def test_repeat_caller_routed_to_the_owner_from_the_database_r14(ctx: ServiceContext,
                                                                     traces_dir: Path) -> None:
    with unit_of_work(ctx.sessions) as session:
        session.add(_ticket("13800138000", "201", "in_progress", "王先生", 2))
    component = IvrComponent(ctx)  # the default history: the tickets area's look-ups
    await component.start()
    try:
        ctx.bus.publish(AgentStateChanged("PJSIP/8201", "201", "available", False, None, "repair", 0.0))
        assert component.address is not None
        env = trace_environment(traces_dir, agi_network_script="inbound", agi_callerid="13800138000")
        channel = await agi_session(component.address, env, Channel(keys=["2"]))
    finally:
        await component.stop()
    assert channel.variables["CC_ROUTE"] == "extension" and channel.variables["CC_TARGET"] == "8201"
    assert channel.variables["CC_CALLER_NAME"] == "王先生" and channel.variables["CC_QUEUE"] == "repair"
