"""The call-tracking component of the service: AMI listener → pump → tracker → writer (spool,
then database), plus the action client. It publishes ``ctx.tracker`` and ``ctx.actions``
(contract C1), the store's health as ``ctx.extras["store_health"]``, and connects to
``ctx.extras["ami"]`` (the embedded pbxsim, contract C2) or the configured Asterisk.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from callcenter.ami.actions import AmiActions
from callcenter.ami.connection import AmiListener, ListenerTiming
from callcenter.calls.model import CallRecord
from callcenter.calls.pump import EventPump
from callcenter.calls.ringing import RingRule
from callcenter.calls.tracker import CallTracker
from callcenter.config import AmiSettings
from callcenter.hotline import Hotline
from callcenter.messages import CallStored, StoreHealthChanged
from callcenter.service import ServiceContext
from callcenter.store.health import HealthView
from callcenter.store.spool import Spool
from callcenter.store.writer import AgentRow, CallWriter

log = logging.getLogger(__name__)


def agent_rows(hotline: Hotline) -> dict[str, AgentRow]:
    """Member interface ``PJSIP/<extension>`` → the hotline agent with that extension (C1)."""
    return {f"PJSIP/{a.extension}": AgentRow(a.id, a.name, a.extension, f"PJSIP/{a.extension}")
            for a in hotline.agents}


class CallsComponent:
    name = "calls"

    def __init__(self, ctx: ServiceContext, ami: AmiSettings | None, timing: ListenerTiming | None = None,
                 publish_hook: Callable[[object], None] | None = None) -> None:
        self.ctx = ctx
        settings = ctx.settings
        spool = Spool(settings.spool_dir, settings.spool_max_mb * 1024 * 1024, label=settings.database_label)
        self.writer = CallWriter(ctx.sessions, spool, agent_rows(settings.hotline), on_stored=self._stored)
        publish = ctx.bus.publish if publish_hook is None else _both(ctx.bus.publish, publish_hook)
        self.tracker = CallTracker(RingRule(settings.ring_cycle_seconds, settings.rule_rings),
                                   publish=publish,
                                   on_finished=self.writer.submit, agent_id_for=self.writer.agent_id_for,
                                   server=settings.pbx_name)
        self.pump = EventPump(self.tracker)
        self.listener = AmiListener(ami, self.pump.put, timing, room=self.pump.room) if ami else None
        self.actions = AmiActions(ami) if ami else None
        self._loop: asyncio.AbstractEventLoop | None = None
        ctx.tracker = self.tracker
        ctx.actions = self.actions
        ctx.extras["store_health"] = self.writer.health
        self.writer.health.on_change = self._health_changed

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        await asyncio.to_thread(self.writer.start)  # reads back the spool: written before anything new
        await self.pump.start()
        if self.listener is None:
            log.warning("no AMI configured (no CALLCENTER_AMI_HOST and no embedded PBX): "
                        "calls are not tracked")
            return
        await self.listener.start()

    async def stop(self) -> None:
        if self.listener is not None:
            await self.listener.stop()
        await self.pump.drain()
        await self.pump.stop()
        if self.actions is not None:
            await self.actions.close()
        await asyncio.to_thread(self.writer.stop)

    def _stored(self, call_id: int, record: CallRecord) -> None:
        """Runs on the writer thread, after the commit: hand the news to the loop."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.ctx.bus.publish, CallStored(call_id, record))


    def _health_changed(self, view: HealthView) -> None:
        """Runs on the writer thread: hand the news to the loop."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.ctx.bus.publish, StoreHealthChanged(view))


def _both(first: Callable[[object], None], second: Callable[[object], None]) -> Callable[[object], None]:
    def publish(message: object) -> None:
        first(message)
        second(message)
    return publish


def build(ctx: ServiceContext) -> CallsComponent:
    return CallsComponent(ctx, ctx.extras.get("ami") or ctx.settings.ami)
