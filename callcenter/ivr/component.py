"""The IVR's part of the running service: the FastAGI server (contract C3) on agi_host:agi_port."""

from __future__ import annotations

import asyncio
import logging

from callcenter.ivr import hours
from callcenter.ivr.agi import AgiServer
from callcenter.ivr.dialplan_names import DOCTOR_SCRIPT
from callcenter.ivr.doctor_agi import doctor_script
from callcenter.ivr.history import CallerHistorySource, TicketsHistory
from callcenter.ivr.routing import AgentPresence
from callcenter.ivr.scripts import IvrScripts
from callcenter.listening import listening_socket
from callcenter.messages import AgentStateChanged, StoreHealthChanged
from callcenter.service import ServiceContext
from callcenter.store.health import StoreHealth
from callcenter.store.messages import UNDECIDED_LOOK_S, MessageKeeper
from callcenter.store.spool import Spool

log = logging.getLogger(__name__)


class IvrComponent:
    name = "ivr"

    def __init__(self, ctx: ServiceContext, history: CallerHistorySource | None = None) -> None:
        self._ctx = ctx
        hotline = ctx.settings.hotline
        hours.centre_zone(hotline.centre.timezone)  # a bad time zone stops start-up, named (R18)
        self.presence = AgentPresence(hotline)
        # R14 needs every agent's state the moment a call arrives: kept inline, in memory.
        ctx.bus.subscribe_sync(AgentStateChanged, self.presence.on_state)
        settings = ctx.settings
        self.messages = MessageKeeper(ctx.sessions, Spool(settings.spool_dir / "messages",
                                                          settings.spool_max_mb * 1024 * 1024,
                                                          label=settings.database_label),
                                      ctx.bus.publish)
        self.scripts = IvrScripts(hotline, ctx.clock, self.messages.keep, settings.pbx_name,
                                  history or TicketsHistory(ctx.sessions), self.presence, lambda: ctx.tracker)
        self._server: AgiServer | None = None
        self._undecided: asyncio.Task[None] | None = None
        self.address: tuple[str, int] | None = None

    async def start(self) -> None:
        settings = self._ctx.settings
        self.messages.health = self._health()
        await self.messages.start()  # messages a crash left in the spool are stored first (R12, R18)
        self._undecided = asyncio.create_task(self._look_for_undecided(), name="ivr:undecided-messages")
        routes = {**self.scripts.routes(), DOCTOR_SCRIPT: doctor_script(settings.hotline)}
        self._server = AgiServer(routes, self._ctx.clock.time, settings.agi_allowed_hosts)
        sock = listening_socket(settings.agi_host, settings.agi_port, host_setting="CALLCENTER_AGI_HOST",
                                port_setting="CALLCENTER_AGI_PORT")
        self.address = await self._server.start(sock)
        self._ctx.extras["agi"] = self.address  # pbxsim and tests find a port-0 server here
        log.info("FastAGI server listening on %s:%d", *self.address)

    def _health(self) -> StoreHealth:
        """The tracker's health line when it runs in this process, else one of the IVR's own."""
        health = self._ctx.extras.get("store_health")
        if not isinstance(health, StoreHealth):
            health = self._ctx.extras["store_health"] = StoreHealth(
                lambda view: self._ctx.bus.publish(StoreHealthChanged(view)))
        return health

    async def _look_for_undecided(self) -> None:
        while True:
            try:
                await asyncio.to_thread(self.messages.look_for_undecided, self._ctx.clock.now())
            except Exception as exc:  # noqa: BLE001 (the database is away: the health line says so)
                log.debug("ivr: undecided messages not counted now (%s)", type(exc).__name__)
            await asyncio.sleep(UNDECIDED_LOOK_S)

    async def stop(self) -> None:
        if self._undecided is not None:
            self._undecided.cancel()
            self._undecided = None
        if self._server is not None:
            await self._server.stop()
            self._server = None
        await self.messages.stop()


def build(ctx: ServiceContext) -> IvrComponent:
    return IvrComponent(ctx)
