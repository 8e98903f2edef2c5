"""Live messages cross processes through PostgreSQL LISTEN/NOTIFY (issue 16): what a tracker
publishes reaches a web front end's bus, bigger than one notification or not; nothing comes back
to its sender; after the link is cut, the web side starts its wallboard afresh and the trackers
answer with their calls in progress."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from callcenter.bus import EventBus
from callcenter.calls.model import CallEnded, CallRecord, CallStarted, LegRecord, LiveCall
from callcenter.config import load_settings
from callcenter.db.session import make_engine, make_session_factory, migrate
from callcenter.messages import LiveSnapshot, RelayReconnected
from callcenter.relay.component import RelayComponent
from callcenter.relay.link import PAYLOAD_LIMIT
from callcenter.service import ServiceContext
from tests.support.postgres import PostgresCluster

pytestmark = pytest.mark.postgres


class FakeTracker:
    def __init__(self, calls: list[LiveCall]) -> None:
        self.calls = calls

    def live_calls(self) -> list[LiveCall]:
        return list(self.calls)


def _context(url: str, pbx: str, hotline: Path) -> ServiceContext:
    settings = load_settings({"CALLCENTER_DATABASE_URL": url, "CALLCENTER_HOTLINE": str(hotline),
                              "CALLCENTER_PBX_NAME": pbx})
    engine = make_engine(url)
    return ServiceContext(settings=settings, bus=EventBus(), engine=engine,
                          sessions=make_session_factory(engine))


class Process:
    """One process's bus and relay, with what arrived on its bus."""

    def __init__(self, url: str, pbx: str, hotline: Path, roles: list[str]) -> None:
        self.ctx = _context(url, pbx, hotline)
        self.ctx.extras["roles"] = roles
        self.relay = RelayComponent(self.ctx, roles)
        self.seen: list[Any] = []
        self.ctx.bus.subscribe_sync(object, self.seen.append)

    async def start(self) -> None:
        await self.ctx.bus.start()
        await self.relay.start()
        await asyncio.wait_for(self.relay.link.listening.wait(), 30)

    async def stop(self) -> None:
        await self.relay.stop()
        await self.ctx.bus.stop()
        self.ctx.engine.dispose()

    async def seen_one(self, check: Callable[[Any], bool]) -> Any:
        async with asyncio.timeout(30):  # a bound, not a speed target: it returns at arrival
            while True:
                found = [m for m in self.seen if check(m)]
                if found:
                    return found[0]
                await asyncio.sleep(0.02)


@pytest.fixture
async def pair(postgres: PostgresCluster, hotline_path: Path) -> AsyncIterator[tuple[Process, Process]]:
    url = postgres.create_database()
    migrate(url)
    tracker = Process(url, "pbx-a", hotline_path, ["tracker"])
    waiting = LiveCall("pbx-a-1.7", "13800138000", "service", "waiting", 10.0, None)
    tracker.ctx.tracker = FakeTracker([waiting])
    web = Process(url, "web", hotline_path, ["web"])
    await tracker.start()
    await web.start()
    yield tracker, web
    await web.stop()
    await tracker.stop()


def _record(linkedid: str, legs: int) -> CallRecord:
    leg = LegRecord(agent="PJSIP/8101", member_name="101 张三", channel="PJSIP/8101-00000001",
                    started_at=1.0, ended_at=2.0, ring_seconds=1.0, outcome="no_answer")
    return CallRecord(linkedid=linkedid, server="pbx-a", caller="13800138000", caller_name=None,
                      direction="inbound", queue="service", agent=None, member_name=None, started_at=0.0,
                      queue_entered_at=1.0, answered_at=None, ended_at=300.0, answered=False, abandoned=True,
                      ring_seconds=200.0, rings=40, within_rule=False, greeting=None, wait_seconds=None,
                      talk_seconds=None, hold_seconds=0.0, hangup_first="caller",
                      legs=tuple(dataclasses.replace(leg, started_at=float(i)) for i in range(legs)))


async def test_a_trackers_live_message_reaches_the_web_front_end_and_not_back(
        pair: tuple[Process, Process]) -> None:
    tracker, web = pair
    tracker.ctx.bus.publish(CallStarted(linkedid="pbx-a-1.8", caller="13900139000", at=12.0))
    got = await web.seen_one(lambda m: isinstance(m, CallStarted))
    assert got == CallStarted(linkedid="pbx-a-1.8", caller="13900139000", at=12.0)
    # The web front end answers nothing with it: the tracker saw its own message once, from itself.
    await asyncio.sleep(0.3)
    assert [m for m in tracker.seen if isinstance(m, CallStarted)] == [got]


async def test_a_record_bigger_than_one_notification_arrives_whole(pair: tuple[Process, Process]) -> None:
    tracker, web = pair
    record = _record("pbx-a-1.9", legs=60)
    from callcenter.relay.codec import encode

    assert len(str(encode(CallEnded(record))[1]).encode()) > PAYLOAD_LIMIT  # it needs the overflow table
    tracker.ctx.bus.publish(CallEnded(record))
    got = await web.seen_one(lambda m: isinstance(m, CallEnded))
    assert got.record == record


async def test_the_web_front_end_asks_the_trackers_for_their_calls_when_it_connects(
        pair: tuple[Process, Process]) -> None:
    _, web = pair
    snapshot = await web.seen_one(lambda m: isinstance(m, LiveSnapshot))
    assert snapshot.server == "pbx-a"
    assert [c.linkedid for c in snapshot.calls] == ["pbx-a-1.7"]


async def test_after_the_link_is_cut_the_wallboard_starts_afresh_and_messages_flow_again(
        pair: tuple[Process, Process], postgres: PostgresCluster) -> None:
    tracker, web = pair
    await web.seen_one(lambda m: isinstance(m, LiveSnapshot))
    web.seen.clear()
    engine = make_engine(web.ctx.settings.database_url)
    with engine.begin() as conn:  # every relay connection of both processes goes
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    engine.dispose()
    await web.seen_one(lambda m: isinstance(m, RelayReconnected))
    again = await web.seen_one(lambda m: isinstance(m, LiveSnapshot))
    assert [c.linkedid for c in again.calls] == ["pbx-a-1.7"]
    await tracker.relay.link.listening.wait()
    tracker.ctx.bus.publish(CallStarted(linkedid="pbx-a-1.10", caller=None, at=13.0))
    got = await web.seen_one(lambda m: isinstance(m, CallStarted) and m.linkedid == "pbx-a-1.10")
    assert got.caller is None
