"""One run of the call-tracking service (listener, tracker, writer) against a running pbxsim, on a
database shared between runs: start it, stop it (a restart forgets the calls it was following)
and start another, as an operator restarting the service would."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Self

from callcenter.ami.connection import ListenerTiming
from callcenter.bus import EventBus
from callcenter.calls.component import CallsComponent
from callcenter.calls.model import AgentRinging, GreetingDecision
from callcenter.config import AmiSettings, Secret, load_settings
from callcenter.db.session import make_engine, make_session_factory
from callcenter.messages import CallStored
from callcenter.service import ServiceContext

# Quick to notice a dead link and to come back, so a cut of a few seconds is a cut, not an outage.
QUICK = ListenerTiming(ping_interval=0.5, ping_timeout=0.5, backoff_initial=0.05, backoff_max=0.2,
                       connect_timeout=2.0)


class CallsRun:
    def __init__(self, port: int, database_url: str, hotline_path: Path, var_dir: Path,
                 queue_log: Path | None = None, timing: ListenerTiming | None = None) -> None:
        settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path),
                                  "CALLCENTER_DATABASE_URL": database_url,
                                  "CALLCENTER_VAR_DIR": str(var_dir)})
        engine = make_engine(database_url)
        self.ctx = ServiceContext(settings=settings, bus=EventBus(), engine=engine,
                                  sessions=make_session_factory(engine))
        self.ctx.extras["queue_log"] = queue_log
        self.ami = AmiSettings("127.0.0.1", port, "callcenter", Secret("secret"), "callcenter",
                               Secret("secret"))
        self.seen: list[object] = []
        self.ctx.bus.subscribe((CallStored, GreetingDecision, AgentRinging), self.seen.append)
        self.component = CallsComponent(self.ctx, self.ami, timing)

    async def __aenter__(self) -> Self:
        await self.ctx.bus.start()
        await self.component.start()
        assert self.component.listener is not None
        async with asyncio.timeout(10):
            await self.component.listener.connected.wait()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.component.stop()  # like a restart: calls still open are not written
        await self.ctx.bus.stop()
        self.ctx.engine.dispose()

    async def until(self, check: Callable[[], bool], timeout: float = 20.0) -> None:
        async with asyncio.timeout(timeout):
            while not check():
                await asyncio.sleep(0.01)

    def stored(self) -> list[CallStored]:
        return [m for m in self.seen if isinstance(m, CallStored)]
