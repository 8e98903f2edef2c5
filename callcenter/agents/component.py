"""The agents component: desk hub, queue states, screen pop and the desk's outgoing calls.

Started after tickets and callbacks and before the web (C2 order); the desk's web routes find
it in ``ctx.extras["agents"]``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

from callcenter.agents.desk import call_for_ticket
from callcenter.agents.hub import DeskHub
from callcenter.agents.pop import ScreenPop
from callcenter.agents.relayed import RelayedActions
from callcenter.agents.states import AgentStates, PhoneSystemUnavailable, wrap_up_seconds_from_env
from callcenter.agents.tickets import ticket_view
from callcenter.agents.wrap_ups import WrapUpStore
from callcenter.ami.actions import AmiActionError, AmiLinkDown
from callcenter.calls.model import AgentRingEnded, AgentRinging, CallEnded, GreetingDecision, OriginateResult
from callcenter.db.session import unit_of_work
from callcenter.hotline import Agent
from callcenter.messages import (
    AgentStateChanged,
    LivePrefill,
    LiveStatus,
    LiveWords,
    SupervisorAlert,
    TicketChanged,
)

log = logging.getLogger(__name__)

TICK_SECONDS = 0.2
# Queue membership changed outside the desk (a console, a feature code) has no member-state
# event the tracker maps, so the QueueStatus snapshot is taken again this often.
RESYNC_SECONDS = 60.0
# While the AMI link is down the snapshot is retried this often: it is how the ticker learns
# the link is back.
RETRY_SECONDS = 5.0


class AgentsComponent:
    name = "agents"

    def __init__(self, ctx: Any, wrap_up_seconds: float | None = None) -> None:
        self.ctx = ctx
        self.hotline = ctx.settings.hotline
        self.hub = DeskHub()
        wrap_up = wrap_up_seconds_from_env() if wrap_up_seconds is None else wrap_up_seconds
        # Run apart from the trackers (a web front end: no AMI client here), the desk's actions are
        # asked of the tracker of the agent's PBX through the relay (issue 16).
        self.relayed = (RelayedActions(ctx.bus, ctx.settings.pbx_name)
                        if ctx.actions is None and ctx.extras.get("relay") is not None else None)
        self.states = AgentStates(self.hotline, lambda: ctx.actions or self.relayed, self.hub, ctx.clock,
                                  wrap_up, WrapUpStore(ctx.sessions))
        self.pop = ScreenPop(self.hotline, self.hub, ctx.sessions, ctx.clock, on_call_done=self._after_call)
        self.originated: dict[str, str] = {}  # ActionID -> agent id (click to call)
        self._ticker: asyncio.Task[None] | None = None
        self._wrap_ups: set[asyncio.Task[None]] = set()
        self._next_sync = 0.0
        self._link_down = False

    @property
    def actions(self) -> Any:
        return self.states.actions  # raises PhoneSystemUnavailable while Asterisk is not connected

    async def call_for_ticket(self, agent: Agent, number: str, ticket_id: int) -> str:
        """Click to call (agent first); the OriginateResult goes to the agent's desk."""
        international = self.hotline.phones.international
        if self.ctx.actions is None and self.relayed is not None:
            action_id = f"desk-{uuid.uuid4().hex}"
            self.originated[action_id] = agent.id  # before asking: its result may come before the answer
            try:
                await self.relayed.call_for_ticket(agent, number, ticket_id, international=international,
                                                   action_id=action_id)
            except BaseException:
                self.originated.pop(action_id, None)
                raise
            return action_id
        action_id = await call_for_ticket(self.actions, agent, number, ticket_id, international=international)
        self.originated[action_id] = agent.id
        return action_id

    async def start(self) -> None:
        bus = self.ctx.bus
        # One subscriber for the whole ring-to-hang-up sequence keeps it in order.
        bus.subscribe((AgentRinging, AgentRingEnded, GreetingDecision, CallEnded), self._on_call,
                      name="agents:pop")
        bus.subscribe(AgentStateChanged, self.states.on_state_changed, name="agents:states")
        bus.subscribe(TicketChanged, self._on_ticket, name="agents:tickets")
        bus.subscribe(OriginateResult, self._on_originate, name="agents:originate")
        bus.subscribe((LiveWords, LiveStatus, LivePrefill, SupervisorAlert), self._on_live,
                      name="agents:live")
        self.ctx.extras["agents"] = self
        if self.ctx.actions is not None:
            try:
                await self.states.snapshot()
            except Exception as exc:  # noqa: BLE001 - the desk still works from the updates that follow
                log.warning("agents: queue snapshot failed: %s", exc)
        self._ticker = asyncio.create_task(self._tick_forever(), name="agents:tick")

    async def stop(self) -> None:
        for task in [self._ticker, *self._wrap_ups]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._ticker = None

    async def _on_call(self, message: object) -> None:
        if isinstance(message, AgentRinging):
            await self.pop.on_ringing(message)
        elif isinstance(message, AgentRingEnded):
            self.pop.on_ring_ended(message)
        elif isinstance(message, GreetingDecision):
            self.pop.on_greeting(message)
        elif isinstance(message, CallEnded):
            self.pop.on_call_ended(message)

    def _after_call(self, agent_id: str) -> None:
        task = asyncio.create_task(self._wrap_up(agent_id), name=f"agents:wrap-up:{agent_id}")
        self._wrap_ups.add(task)
        task.add_done_callback(self._wrap_ups.discard)

    async def _wrap_up(self, agent_id: str) -> None:
        try:
            await self.states.start_wrap_up(agent_id)
        except Exception as exc:  # noqa: BLE001 - one agent's wrap-up never stops the service
            log.warning("agents: wrap-up pause for %s failed: %s", agent_id, exc)
            self.hub.push(agent_id, "error", {"action": "wrap_up", "message": str(exc)})

    async def tick(self) -> None:
        now = self.ctx.clock.time()
        self.pop.check_rings(now)
        await self.states.tick(now)

    async def _tick_forever(self) -> None:
        loop = asyncio.get_running_loop()
        # Run apart, the first snapshot is asked of the trackers by the ticker, once the relay listens.
        self._next_sync = loop.time() + (0.0 if self.ctx.actions is None else RESYNC_SECONDS)
        while True:
            await asyncio.sleep(TICK_SECONDS)
            await self.beat(loop.time())

    def _may_sync(self) -> bool:
        """Whether a queue snapshot can be asked for: of the AMI here, or of the trackers through
        the relay once it listens (their answers would be missed before)."""
        if self.ctx.actions is not None:
            return True
        relay = self.ctx.extras.get("relay")
        return self.relayed is not None and relay is not None and relay.link.listening.is_set()

    async def beat(self, mono: float) -> None:
        """One beat of the ticker at monotonic time ``mono``: the tick, then the resync when due.
        An AMI outage is expected: one warning when it starts, the snapshot retried every
        RETRY_SECONDS (the only way to learn it is over), one line and a fresh snapshot after."""
        try:
            await self.tick()
            if self._may_sync() and mono >= self._next_sync:
                self._next_sync = mono + RESYNC_SECONDS
                await self.states.snapshot()
                if self._link_down:
                    self._link_down = False
                    log.info("agents: the phone system is back; queue states taken afresh")
        except (AmiLinkDown, PhoneSystemUnavailable) as exc:
            self._next_sync = mono + RETRY_SECONDS
            if not self._link_down:
                self._link_down = True
                log.warning("agents: %s; the desk shows the last known states until the link is back", exc)
        except AmiActionError as exc:
            log.warning("agents: %s", exc)  # Asterisk refused one action: said, the ticker carries on
        except Exception:
            log.exception("agents: tick failed")

    def _load_ticket(self, ticket_id: int) -> dict[str, Any] | None:
        with unit_of_work(self.ctx.sessions) as session:
            return ticket_view(session, ticket_id)

    async def _on_ticket(self, message: TicketChanged) -> None:
        if message.owner is None:
            return
        view = await asyncio.to_thread(self._load_ticket, message.ticket_id)
        if view is not None:
            self.hub.push(message.owner, "ticket", {"change": message.change, "ticket": view})

    def _on_live(self, message: object) -> None:
        """Issue 17: the call's words as they come, whether it is transcribed live, the ticket
        fields heard so far, to the agent on the call; live alerts to every supervisor's desk."""
        if isinstance(message, LiveWords) and message.agent_id:
            self.hub.push(message.agent_id, "live_words", {
                "linkedid": message.linkedid, "side": message.side, "text": message.text,
                "final": message.final, "start": message.start, "end": message.end})
        elif isinstance(message, LiveStatus) and message.agent_id:
            self.hub.push(message.agent_id, "live_status", {"linkedid": message.linkedid,
                                                            "state": message.state, "reason": message.reason})
        elif isinstance(message, LivePrefill) and message.agent_id:
            self.hub.push(message.agent_id, "prefill", {"linkedid": message.linkedid, **message.fields})
        elif isinstance(message, SupervisorAlert) and message.linkedid:
            alert = {"kind": message.kind, "text": message.text, "linkedid": message.linkedid,
                     "words": message.words, "agent_id": message.agent_id, "ticket_id": message.ticket_id}
            for supervisor in self.hotline.agents:
                if supervisor.role == "supervisor":
                    self.hub.push(supervisor.id, "alert", alert)

    def _on_originate(self, message: OriginateResult) -> None:
        agent_id = self.originated.pop(message.action_id, None)
        if agent_id is not None:
            self.hub.push(agent_id, "originate", {"action_id": message.action_id, "success": message.success,
                                                  "reason": message.reason, "channel": message.channel})


def build(ctx: Any) -> AgentsComponent:
    return AgentsComponent(ctx)
