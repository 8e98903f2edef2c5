"""The call-tracking component of the service: AMI listener → pump → tracker → writer (spool,
then database), plus the action client. It publishes ``ctx.tracker`` and ``ctx.actions``
(contract C1), the store's health as ``ctx.extras["store_health"]``, and connects to
``ctx.extras["ami"]`` (the embedded pbxsim, contract C2) or the configured Asterisk.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from callcenter.aio import cancel_and_wait
from callcenter.ami.actions import AmiActions
from callcenter.ami.connection import AmiListener, ListenerTiming
from callcenter.calls.catch_up import QueueLogCatchUp, hotline_members
from callcenter.calls.model import CallRecord
from callcenter.calls.pump import EventPump
from callcenter.calls.ringing import RingRule
from callcenter.calls.tracker import CallTracker
from callcenter.config import AmiSettings
from callcenter.db.call_keys import last_stored_end, stored_ids
from callcenter.db.session import unit_of_work
from callcenter.hotline import Hotline
from callcenter.messages import CallStored, StoreHealthChanged
from callcenter.service import ServiceContext
from callcenter.store.health import HealthView
from callcenter.store.writer import AgentRow
from callcenter.store.writer_child import WriterSettings
from callcenter.store.writer_process import WriterProcess

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
        self.writer = WriterProcess(WriterSettings(
            settings.database_url, settings.spool_dir, settings.spool_max_mb * 1024 * 1024,
            settings.database_label, agent_rows(settings.hotline)), on_stored=self._stored)
        publish = ctx.bus.publish if publish_hook is None else _both(ctx.bus.publish, publish_hook)
        rule = RingRule(settings.ring_cycle_seconds, settings.rule_rings)
        members = hotline_members((a.id, a.name, a.extension) for a in settings.hotline.agents)
        self.catch_up = QueueLogCatchUp(
            ctx.extras.get("queue_log") or settings.queue_log, settings.pbx_name, rule,
            lambda name: self.tracker.member_interfaces.get(name) or members.get(name),
            self._last_stored_end, self._stored_ids, self.writer.submit)
        self.tracker = CallTracker(rule, publish=publish, on_finished=self.writer.submit,
                                   agent_id_for=self.writer.agent_id_for,
                                   server=settings.pbx_name, recall=self.catch_up.recall)
        self.pump = EventPump(self.tracker)
        self.pump.on_resynced = self._after_resync
        self._catching_up: asyncio.Task[None] | None = None
        self.listener = AmiListener(ami, self.pump.put, timing, room=self.pump.room) if ami else None
        self.actions = AmiActions(ami) if ami else None
        ctx.tracker = self.tracker
        ctx.actions = self.actions
        ctx.extras["store_health"] = self.writer.health
        if self.listener is not None:
            ctx.extras["ami_listener"] = self.listener  # link state for /metrics and /readyz
        self.writer.health.on_change = self._health_changed

    async def start(self) -> None:
        await self.writer.start()  # its process reads back the spool: written before anything new
        await self.pump.start()
        if self.listener is None:
            log.warning("no AMI configured (no CALLCENTER_AMI_HOST and no embedded PBX): "
                        "calls are not tracked")
            return
        await self.listener.start()

    async def _stop_reading(self) -> None:
        if self.listener is not None:
            await self.listener.stop()
        await cancel_and_wait(self._catching_up)
        await self.pump.drain()
        await self.pump.stop()

    async def stop(self) -> None:
        await self._stop_reading()
        if self.actions is not None:
            await self.actions.close()
        await self.writer.stop()

    def _after_resync(self) -> None:
        """After each snapshot: record from the queue_log what Asterisk did while we were away."""
        if self._catching_up is None or self._catching_up.done():
            loop = asyncio.get_running_loop()
            self._catching_up = loop.create_task(self._backfill(), name="calls:catch-up")

    async def _backfill(self) -> None:
        try:
            await self.writer.flush()  # what we saw is stored before we compare
            await self.catch_up.backfill(self.tracker.known_ids())
        except Exception:
            log.exception("catch-up from the queue_log failed")

    def _last_stored_end(self) -> dt.datetime | None:
        with unit_of_work(self.ctx.sessions) as session:
            return last_stored_end(session, self.tracker.server)

    def _stored_ids(self, ids: set[str]) -> set[str]:
        with unit_of_work(self.ctx.sessions) as session:
            return stored_ids(session, self.tracker.server, ids)

    def _stored(self, call_id: int, record: CallRecord) -> None:
        """On the loop, once the writer process has committed the call."""
        self.ctx.bus.publish(CallStored(call_id, record))

    def _health_changed(self, view: HealthView) -> None:
        """On the loop, as the writer process reports it."""
        self.ctx.bus.publish(StoreHealthChanged(view))


def _both(first: Callable[[object], None], second: Callable[[object], None]) -> Callable[[object], None]:
    def publish(message: object) -> None:
        first(message)
        second(message)
    return publish


def build(ctx: ServiceContext) -> CallsComponent:
    return CallsComponent(ctx, ctx.extras.get("ami") or ctx.settings.ami)
