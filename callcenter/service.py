"""The running service: components started in order and stopped in reverse.

Each stage of the flow contributes one component (AMI listener and tracker, FastAGI server,
transcription workers, callback scheduler, web UI). A component is anything with
``name``, ``async start()`` and ``async stop()``; it receives the shared ``ServiceContext``
when it is built. ``COMPONENTS`` lists the factories in start order.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from callcenter.bus import EventBus
from callcenter.clock import Clock, SystemClock
from callcenter.config import Settings
from callcenter.db.session import make_engine, make_session_factory, migrate
from callcenter.files import private_dir

log = logging.getLogger(__name__)


class Component(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class ServiceContext:
    """What every component may use. Components that own a shared object publish it here
    (``tracker``, ``actions``) for the ones started after them."""

    settings: Settings
    bus: EventBus
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock = field(default_factory=SystemClock)
    tracker: Any = None
    actions: Any = None
    extras: dict[str, Any] = field(default_factory=dict)


ComponentFactory = Callable[[ServiceContext], Component | None]

# "module:function" factories, in start order; a factory may return None to sit out
# (for example the pbxsim component when a real Asterisk is configured).
COMPONENTS: list[str] = [
    "callcenter.pbxsim.component:build",
    "callcenter.calls.component:build",
    "callcenter.ivr.component:build",
    "callcenter.speech.component:build",
    "callcenter.tickets.component:build",
    "callcenter.callbacks.component:build",
    "callcenter.agents.component:build",
    "callcenter.live.component:build",
    "callcenter.web.component:build",
    "callcenter.observability.component:build",  # last: it reads what the others published
]


def _factory(path: str) -> ComponentFactory:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


class Service:
    def __init__(self, settings: Settings, clock: Clock | None = None,
                 factories: list[str] | None = None) -> None:
        engine = make_engine(settings.database_url)
        self.context = ServiceContext(
            settings=settings,
            bus=EventBus(),
            engine=engine,
            sessions=make_session_factory(engine),
            clock=clock or SystemClock(),
        )
        self._factories = COMPONENTS if factories is None else factories
        self._started: list[Component] = []

    async def start(self) -> None:
        private_dir(self.context.settings.var_dir)  # secrets, recordings, spool: 0700 (R17)
        await asyncio.to_thread(migrate, self.context.settings.database_url)
        await self.context.bus.start()
        try:
            for path in self._factories:
                component = _factory(path)(self.context)
                if component is None:
                    continue
                log.info("starting %s", component.name)
                await component.start()
                self._started.append(component)
        except BaseException:
            await self.stop()  # what started is stopped again, in reverse order, before the error goes up
            raise

    async def stop(self) -> None:
        while self._started:
            component = self._started.pop()
            log.info("stopping %s", component.name)
            try:
                await component.stop()
            except Exception:
                log.exception("stopping %s failed", component.name)
        await self.context.bus.stop()
        self.context.engine.dispose()

    @property
    def started(self) -> list[str]:
        return [c.name for c in self._started]
