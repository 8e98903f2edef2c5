"""Agent states over AMI: queue log-in/out, pauses with a reason, wrap-up after each call.

The desk sends actions; what it shows comes back from Asterisk (``AgentStateChanged`` from the
tracker), so an agent who pauses from the phone or is removed by a supervisor's console is
shown the truth. A snapshot (``QueueStatus``) is taken at start, then updates (habit 8).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from callcenter.agents.hub import DeskHub
from callcenter.agents.roster import agent_for_interface, interface_of, queues_of
from callcenter.agents.wrap_ups import WrapUpStore
from callcenter.clock import Clock
from callcenter.errors import CallcenterError
from callcenter.hotline import Agent, Hotline
from callcenter.messages import AgentStateChanged

log = logging.getLogger(__name__)

# Pause reasons: the key the desk sends, the Reason Asterisk stores (what a supervisor's
# `queue show` lists), and the English label.
PAUSE_REASONS: dict[str, tuple[str, str]] = {
    "lunch": ("午餐", "Lunch"),
    "training": ("培训", "Training"),
    "wrap_up": ("话后处理", "After-call work"),
}
WRAP_UP = "wrap_up"
WRAP_UP_REASON = PAUSE_REASONS[WRAP_UP][0]
WRAP_UP_RETRY_SECONDS = 5.0  # an unpause Asterisk did not take is tried again this much later
# A member listed in queues.conf (static) cannot leave its queue over AMI: Asterisk answers
# QueueRemove with "Member not dynamic". Log-out then pauses it with this reason, and the desk
# and wallboard show such a member as logged out, not as paused.
OFF_DUTY_REASON = "下班"
DEFAULT_WRAP_UP_SECONDS = 30.0
UNAVAILABLE_TEXT = "电话系统未连接，请稍后再试 / the phone system is not connected"
# QueueStatus member Status codes (Asterisk's AST_DEVICE_*).
_DEVICE_STATES = {"0": "unavailable", "1": "available", "2": "talking", "3": "talking", "4": "unavailable",
                  "5": "unavailable", "6": "ringing", "7": "ringing", "8": "talking"}


class UnknownAgent(CallcenterError):
    pass


class BadPauseReason(CallcenterError):
    pass


class PhoneSystemUnavailable(CallcenterError):
    """No AMI action client: Asterisk is not connected (yet)."""


class NotLoggedIn(CallcenterError):
    pass


def wrap_up_seconds_from_env() -> float:
    raw = os.environ.get("CALLCENTER_WRAP_UP_SECONDS", "")
    return float(raw) if raw else DEFAULT_WRAP_UP_SECONDS


@dataclass
class AgentStatus:
    agent_id: str
    interface: str
    queues: set[str] = field(default_factory=set)
    state: str = "logged_out"
    paused: bool = False
    reason: str | None = None
    since: float = 0.0
    wrap_up_until: float | None = None
    # Static memberships parked by log-out (paused for 下班): out of service, not in `queues`.
    off_duty: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        return {"agent_id": self.agent_id, "interface": self.interface, "queues": sorted(self.queues),
                "state": "paused" if self.paused and self.state == "available" else self.state,
                "paused": self.paused, "reason": self.reason, "since": self.since,
                "wrap_up_until": self.wrap_up_until}


def reason_label(key: str) -> str:
    if key not in PAUSE_REASONS:
        raise BadPauseReason(f"未知的暂停原因 {key!r}（可选：{', '.join(PAUSE_REASONS)}）")
    return PAUSE_REASONS[key][0]


class AgentStates:
    def __init__(self, hotline: Hotline, actions: Callable[[], Any], hub: DeskHub, clock: Clock,
                 wrap_up_seconds: float = DEFAULT_WRAP_UP_SECONDS, store: WrapUpStore | None = None) -> None:
        self.hotline = hotline
        self._actions = actions  # read at each use: the AMI client may be (re)made after us
        self.hub = hub
        self.clock = clock
        self.wrap_up_seconds = wrap_up_seconds
        self.store = store  # wrap-up ends kept in the database: a restart lifts them on time
        self._status = {a.id: AgentStatus(a.id, interface_of(a)) for a in hotline.agents}

    @property
    def actions(self) -> Any:
        actions = self._actions()
        if actions is None:
            raise PhoneSystemUnavailable(UNAVAILABLE_TEXT)
        return actions

    def _agent(self, agent_id: str) -> Agent:
        agent = self.hotline.agent(agent_id)
        if agent is None:
            raise UnknownAgent(f"没有工号为 {agent_id} 的坐席")
        return agent

    def status(self, agent_id: str) -> AgentStatus:
        self._agent(agent_id)
        return self._status[agent_id]

    # --- actions (the answer comes back as AgentStateChanged) -------------------------------

    async def log_in(self, agent_id: str) -> list[str]:
        agent = self._agent(agent_id)
        status = self._status[agent_id]
        parked = sorted(status.off_duty)
        for queue in parked:
            await self.actions.queue_pause(interface_of(agent), False, queue=queue)
            status.off_duty.discard(queue)
            self._joined(status, queue)
        queues = [q for q in queues_of(self.hotline, agent_id) if q not in status.queues]
        for queue in queues:
            try:
                await self.actions.queue_add(queue, interface_of(agent), member_name=agent.name, paused=False)
            except Exception as exc:
                if "already there" not in str(exc).lower():
                    raise
            # Asterisk's Success answer is the truth here: app_queue sends no member-status
            # change for a member it has just added.
            self._joined(status, queue)
        return parked + queues

    async def log_out(self, agent_id: str) -> list[str]:
        agent = self._agent(agent_id)
        status = self._status[agent_id]
        queues = sorted(status.queues) or queues_of(self.hotline, agent_id)
        static: list[str] = []
        for queue in queues:
            try:
                await self.actions.queue_remove(queue, interface_of(agent))
            except Exception as exc:
                if "member not dynamic" in str(exc).lower():
                    static.append(queue)
                    continue
                if "not there" not in str(exc).lower():
                    raise
            self._left(status, queue)
        for queue in static:
            await self.actions.queue_pause(interface_of(agent), True, reason=OFF_DUTY_REASON, queue=queue)
            self._went_off_duty(status, queue)
        await self._set_wrap_up(agent_id, None)
        return queues

    def _went_off_duty(self, status: AgentStatus, queue: str | None) -> None:
        if queue:
            status.off_duty.add(queue)
            if queue in status.queues or not status.queues:
                self._left(status, queue)

    def _joined(self, status: AgentStatus, queue: str) -> None:
        if not status.queues:
            status.state, status.paused, status.reason = "available", False, None
            status.since = self.clock.time()
        status.queues.add(queue)
        self._publish(status)

    def _left(self, status: AgentStatus, queue: str) -> None:
        status.queues.discard(queue)
        if not status.queues:
            status.state, status.paused, status.reason = "logged_out", False, None
            status.since = self.clock.time()
        self._publish(status)

    def _require_logged_in(self, agent_id: str) -> None:
        status = self._status[agent_id]
        if status.off_duty and not status.queues:
            # A paused or resumed 下班 member would take calls again without logging in.
            raise NotLoggedIn(f"坐席 {agent_id} 已签出，请先签入 / agent {agent_id} is "
                              "logged out, log in first")

    async def pause(self, agent_id: str, reason_key: str) -> None:
        label = reason_label(reason_key)
        agent = self._agent(agent_id)
        self._require_logged_in(agent_id)
        await self.actions.queue_pause(interface_of(agent), True, reason=label)
        until = self.clock.time() + self.wrap_up_seconds if reason_key == WRAP_UP else None
        await self._set_wrap_up(agent_id, until)

    async def resume(self, agent_id: str) -> None:
        agent = self._agent(agent_id)
        self._require_logged_in(agent_id)
        await self.actions.queue_pause(interface_of(agent), False)
        await self._set_wrap_up(agent_id, None)  # only once Asterisk took it: a failed unpause is retried

    async def _set_wrap_up(self, agent_id: str, until: float | None) -> None:
        status = self._status[agent_id]
        had, status.wrap_up_until = status.wrap_up_until, until
        if self.store is None or (until is None and had is None):
            return
        if until is None:
            await asyncio.to_thread(self.store.clear, agent_id)
        else:
            await asyncio.to_thread(self.store.save, agent_id, status.interface, until)

    # --- what Asterisk says -----------------------------------------------------------------

    def on_state_changed(self, message: AgentStateChanged) -> None:
        agent = self.hotline.agent(message.agent_id) if message.agent_id else None
        agent = agent or agent_for_interface(self.hotline, message.interface)
        if agent is None:
            return
        status = self._status[agent.id]
        if message.paused and message.reason == OFF_DUTY_REASON:
            self._went_off_duty(status, message.queue)
            return
        if message.queue:
            status.off_duty.discard(message.queue)  # unpaused (or removed) elsewhere
        state = message.state
        if state == "logged_out" and message.queue is None:
            # A device that stopped answering (unregistered phone) is not out of its queues.
            state = "unavailable"
        if state == "logged_out":
            if message.queue:
                self._left(status, message.queue)
            else:
                status.queues.clear()
                self._left(status, "")
            return
        if message.queue:
            status.queues.add(message.queue)
        if state == "paused" and not message.paused:
            # An unpause reported with the member's last shown state: the member is free again.
            state = "available"
        status.state = state
        status.paused = message.paused or state == "paused"
        status.reason = message.reason if status.paused else None
        status.since = message.at
        self._publish(status)

    def _publish(self, status: AgentStatus) -> None:
        self.hub.push(status.agent_id, "state", status.as_dict())

    def apply_snapshot(self, events: list[dict[str, str]]) -> int:
        """Take the members listed by a QueueStatus answer as the whole current truth."""
        members = [e for e in events if e.get("Event") == "QueueMember"]
        for status in self._status.values():
            status.queues.clear()
            status.off_duty.clear()
        seen = 0
        for event in members:
            agent = agent_for_interface(self.hotline,
                                        event.get("StateInterface") or event.get("Location") or "")
            if agent is None:
                continue
            status = self._status[agent.id]
            if event.get("Paused") == "1" and event.get("PausedReason") == OFF_DUTY_REASON:
                status.off_duty.add(event.get("Queue", ""))
                continue
            status.queues.add(event.get("Queue", ""))
            status.paused = event.get("Paused") == "1"
            status.reason = (event.get("PausedReason") or None) if status.paused else None
            state = _DEVICE_STATES.get(event.get("Status", ""), "available")
            # Asterisk 20's PJSIP phones report a ringing phone as BUSY (3), as one in a call: a
            # phone the tracker saw start ringing stays ringing until its ring ends or is answered.
            if not (state == "talking" and status.state == "ringing" and event.get("InCall") != "1"):
                status.state, status.since = state, self.clock.time()
            seen += 1
        for status in self._status.values():
            if not status.queues:
                status.state, status.paused, status.reason = "logged_out", False, None
            self._publish(status)
        return seen

    async def snapshot(self) -> None:
        """At start-up, then again after the AMI link comes back (and every minute)."""
        events = await self.actions.send({"Action": "QueueStatus"})
        log.info("agents: queue snapshot lists %d hotline members", self.apply_snapshot(events))
        await self.restore_wrap_ups(events)

    async def restore_wrap_ups(self, events: list[dict[str, str]]) -> None:
        """Members paused for 话后处理 (QueueStatus PausedReason: ours) get their stored end back:
        one that is over (the service was down or cut off when it ended, or its end was never
        stored) is lifted by the next tick, the others are re-armed. A stored wrap-up whose member
        is no longer paused for it is forgotten."""
        if self.store is None:
            return
        stored = await asyncio.to_thread(self.store.load)
        now, ours = self.clock.time(), set()
        for event in events:
            interface = event.get("StateInterface") or event.get("Location") or ""
            agent = agent_for_interface(self.hotline, interface)
            wrap_up = event.get("Paused") == "1" and event.get("PausedReason") == WRAP_UP_REASON
            if event.get("Event") != "QueueMember" or agent is None or not wrap_up or agent.id in ours:
                continue
            ours.add(agent.id)
            until = stored.get(agent.id)
            status = self._status[agent.id]
            if until is None or until <= now:
                log.info("agents: the wrap-up pause of %s is over; lifting it", agent.id)
                status.wrap_up_until = min(until or now, now)
            elif status.wrap_up_until != until:
                log.info("agents: the wrap-up pause of %s goes on for %.0f s", agent.id, until - now)
                status.wrap_up_until = until
        for agent_id in stored.keys() - ours:  # unpaused meanwhile, or paused for another reason
            if agent_id in self._status:
                self._status[agent_id].wrap_up_until = None
            await asyncio.to_thread(self.store.clear, agent_id)

    # --- wrap-up after each call ------------------------------------------------------------

    async def start_wrap_up(self, agent_id: str) -> None:
        if self.wrap_up_seconds <= 0 or not self._status[agent_id].queues:
            return
        await self.pause(agent_id, WRAP_UP)

    async def tick(self, now: float) -> None:
        """End wrap-ups whose time is over (still paused for 话后处理, nothing else chosen)."""
        for status in self._status.values():
            if status.wrap_up_until is None or now < status.wrap_up_until:
                continue
            if status.paused and status.reason in (None, WRAP_UP_REASON):
                # On failure (the AMI link is down) the end stays: the next tick tries again.
                status.wrap_up_until = now + WRAP_UP_RETRY_SECONDS
                await self.resume(status.agent_id)
            else:
                await self._set_wrap_up(status.agent_id, None)  # another pause was chosen meanwhile
