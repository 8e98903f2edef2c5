"""The wallboard's live model: calls in progress, agents' states, today's figures and alerts.

It is fed by the tracker's bus messages (C1) and starts from ``ctx.tracker.live_calls()`` when a
tracker is present. Every change goes at once to each connected browser's queue; the browser
counts rings itself from ``ring_started_at`` and the ring cycle (R1), so nothing is sent per ring.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import logging
from typing import Any

from callcenter.calls.model import (
    AgentRingEnded,
    AgentRinging,
    CallEnded,
    CallQueued,
    CallStarted,
    GreetingDecision,
    HoldChanged,
    LiveCall,
)
from callcenter.hotline import Hotline
from callcenter.messages import (
    AgentStateChanged,
    CallStored,
    LiveSnapshot,
    LiveStatus,
    LiveWords,
    RelayReconnected,
    StoreHealthChanged,
    SupervisorAlert,
)
from callcenter.web.live_figures import today_figures

log = logging.getLogger(__name__)
MESSAGES = (CallStarted, CallQueued, AgentRinging, AgentRingEnded, GreetingDecision, HoldChanged, CallEnded,
            AgentStateChanged, SupervisorAlert, CallStored, StoreHealthChanged, LiveWords, LiveStatus,
            LiveSnapshot, RelayReconnected)  # from other processes when roles run apart (issue 16)
CLIENT_QUEUE = 1000
FIGURES_DEBOUNCE_SECONDS = 1.0
CLOSE = {"type": "close"}


def agent_id_of(hotline: Hotline, ident: str | None) -> str | None:
    """PJSIP/8101, 8101 or 101 → the hotline agent's 工号 (C1: Local/… interfaces have none)."""
    if not ident:
        return None
    tail = ident.rsplit("/", 1)[-1].split("@", 1)[0].split("-", 1)[0]
    agent = hotline.agent_by_extension(tail) or hotline.agent(tail)
    return agent.id if agent else None


class LiveBoard:
    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.hotline: Hotline = ctx.settings.hotline
        self.calls: dict[str, dict[str, Any]] = {}
        self.agents: dict[str, dict[str, Any]] = {
            a.id: {"id": a.id, "name": a.name, "state": "logged_out", "reason": None, "since": None}
            for a in self.hotline.agents if a.role == "agent"}
        self.alerts: collections.deque[dict[str, Any]] = collections.deque(maxlen=20)
        self.figures: dict[str, Any] | None = None
        self._clients: set[asyncio.Queue[dict[str, Any]]] = set()
        self._refresh: asyncio.Task[None] | None = None
        self._seeded = False
        ctx.bus.subscribe(MESSAGES, self.on_message, name="web:wallboard")

    # --- browsers -------------------------------------------------------------------------
    def connect(self) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(CLIENT_QUEUE)
        self._clients.add(queue)
        return queue

    def disconnect(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self._clients.discard(queue)

    def _send(self, message: dict[str, Any]) -> None:
        message["now"] = self.ctx.clock.time()
        for queue in list(self._clients):
            try:
                queue.put_nowait(message)
            except asyncio.QueueFull:  # a stalled browser: drop it; it reconnects and gets a snapshot
                self._clients.discard(queue)

    async def close(self) -> None:
        if self._refresh is not None:
            self._refresh.cancel()
        for queue in list(self._clients):
            with contextlib.suppress(asyncio.QueueFull):  # a full queue's reader is gone anyway
                queue.put_nowait(dict(CLOSE))
        self._clients.clear()

    async def snapshot(self) -> dict[str, Any]:
        if not self._seeded:
            self._seed_from_tracker()
        if self.figures is None:
            try:
                self.figures = await asyncio.to_thread(today_figures, self.ctx)
            except Exception as exc:  # noqa: BLE001 (the database is away: the live part still shows)
                log.warning("wallboard: today's figures cannot be read now (%s)",
                            str(exc).splitlines()[0][:200])
        rules = self.hotline.rules
        return {"type": "snapshot", "now": self.ctx.clock.time(), "ring_cycle": rules.ring_cycle_seconds,
                "rule_rings": rules.rule_rings, "calls": list(self.calls.values()),
                # Rings are counted in the PBX's time: pbxsim's sped-up clock runs `speed` times faster.
                "clock_rate": float(getattr(self.ctx.clock, "speed", 1.0)),
                "queues": [{"queue": d.queue, "name": d.name, "agents": d.agents}
                           for d in self.hotline.departments],
                "agents": list(self.agents.values()), "alerts": list(self.alerts), "figures": self.figures,
                "store": self._store()}

    def _store(self) -> dict[str, Any] | None:
        health = self.ctx.extras.get("store_health")
        return None if health is None else health.as_json(self.hotline.centre.timezone)

    def _seed_from_tracker(self) -> None:
        self._seeded = True
        tracker = self.ctx.tracker
        if tracker is None or not hasattr(tracker, "live_calls"):
            return
        for live in tracker.live_calls():
            self.calls.setdefault(live.linkedid, self._from_live(live))

    def _from_live(self, live: LiveCall) -> dict[str, Any]:
        row = self._row(live.linkedid, live.caller, live.since)
        row.update(queue=live.queue, state=live.state, ring_started_at=live.ring_started_at,
                   agent=agent_id_of(self.hotline, live.agent) or live.agent, attempts=live.attempts)
        return row

    # --- bus ---------------------------------------------------------------------------------
    async def on_message(self, message: Any) -> None:
        if isinstance(message, RelayReconnected):
            await self.on_relay_reconnected()
            return
        handler = _HANDLERS.get(type(message))
        if handler is not None:
            handler(self, message)

    def on_live_snapshot(self, m: LiveSnapshot) -> None:
        """A tracker in another process sent its calls in progress (roles run apart, issue 16)."""
        for live in m.calls:
            if live.linkedid not in self.calls:
                self.calls[live.linkedid] = row = self._from_live(live)
                self._changed(row)

    async def on_relay_reconnected(self) -> None:
        """The link to the other processes was lost: what it missed is unknown, so the calls start
        afresh from the trackers' snapshots and today's figures from the database."""
        self.calls.clear()
        self.figures = None
        self._send(await self.snapshot())

    def _row(self, linkedid: str, caller: str | None, at: float) -> dict[str, Any]:
        return {"linkedid": linkedid, "caller": caller, "queue": None, "state": "ivr", "since": at,
                "ring_started_at": None, "agent": None, "member_name": None, "attempts": 0,
                "rings": None, "greeting": None, "live": None, "words": {}}

    def _call(self, linkedid: str, caller: str | None, at: float) -> dict[str, Any]:
        return self.calls.setdefault(linkedid, self._row(linkedid, caller, at))

    def _changed(self, row: dict[str, Any]) -> None:
        self._send({"type": "call", "call": dict(row)})

    def on_started(self, m: CallStarted) -> None:
        self._changed(self._call(m.linkedid, m.caller, m.at))

    def on_queued(self, m: CallQueued) -> None:
        row = self._call(m.linkedid, m.caller, m.at)
        row.update(queue=m.queue, state="waiting", since=m.at)
        self._changed(row)

    def on_ringing(self, m: AgentRinging) -> None:
        row = self._call(m.linkedid, m.caller, m.at)
        row.update(queue=m.queue or row["queue"], state="ringing", ring_started_at=m.caller_ring_started_at,
                   agent=agent_id_of(self.hotline, m.agent) or m.agent, member_name=m.member_name,
                   attempts=m.attempt)
        self._changed(row)

    def on_ring_ended(self, m: AgentRingEnded) -> None:
        row = self.calls.get(m.linkedid)
        if row is not None and row["state"] == "ringing" and m.outcome != "answered":
            row.update(state="waiting", agent=None)  # R13: rolls over, the caller's rings keep counting
            self._changed(row)

    def on_greeting(self, m: GreetingDecision) -> None:
        row = self.calls.get(m.linkedid)
        if row is not None:
            row.update(state="talking", since=m.at, rings=m.rings, greeting=m.greeting,
                       agent=agent_id_of(self.hotline, m.agent) or m.agent or row["agent"])
            self._changed(row)

    def on_hold(self, m: HoldChanged) -> None:
        row = self.calls.get(m.linkedid)
        if row is not None:
            row.update(state="hold" if m.on_hold else "talking", since=m.at)
            self._changed(row)

    def on_ended(self, m: CallEnded) -> None:
        if self.calls.pop(m.record.linkedid, None) is not None:
            self._send({"type": "ended", "linkedid": m.record.linkedid})
        self._schedule_figures()

    def on_agent(self, m: AgentStateChanged) -> None:
        key = m.agent_id or agent_id_of(self.hotline, m.interface) or m.interface
        known = self.hotline.agent(key)  # a supervisor's phone appears once it is used (listening in)
        row = self.agents.setdefault(key, {"id": key, "name": known.name if known else key,
                                           "state": "logged_out", "reason": None,
                                           "since": None})
        row.update(state="paused" if m.paused else m.state, reason=m.reason if m.paused else None, since=m.at)
        self._send({"type": "agent", "agent": dict(row)})

    def on_alert(self, m: SupervisorAlert) -> None:
        alert = dataclasses.asdict(m)
        self.alerts.appendleft(alert)
        self._send({"type": "alert", "alert": alert})

    def on_words(self, m: LiveWords) -> None:
        """Issue 17: each side's latest words while the call is up (the row keeps the last)."""
        row = self.calls.get(m.linkedid)
        if row is None:
            return
        row.setdefault("words", {})[m.side] = m.text
        self._send({"type": "transcript", "linkedid": m.linkedid, "side": m.side, "text": m.text,
                    "final": m.final})

    def on_live_status(self, m: LiveStatus) -> None:
        row = self.calls.get(m.linkedid)
        if row is not None:
            row.update(live=m.state)
            self._changed(row)

    def on_stored(self, m: CallStored) -> None:
        self._schedule_figures()

    def on_store_health(self, m: StoreHealthChanged) -> None:
        self._send({"type": "store", "store": self._store()})

    def _schedule_figures(self) -> None:
        if self._refresh is None or self._refresh.done():
            self._refresh = asyncio.create_task(self._refresh_figures(), name="web:figures")

    async def _refresh_figures(self) -> None:
        await asyncio.sleep(FIGURES_DEBOUNCE_SECONDS)  # one query for a burst of finished calls
        try:
            self.figures = await asyncio.to_thread(today_figures, self.ctx)
        except Exception as exc:  # noqa: BLE001 (the database is away; the store health line says so)
            log.warning("wallboard: today's figures cannot be read now (%s)", str(exc).splitlines()[0][:200])
            return
        self._send({"type": "figures", "figures": self.figures})


_HANDLERS: dict[type, Any] = {
    CallStarted: LiveBoard.on_started, CallQueued: LiveBoard.on_queued, AgentRinging: LiveBoard.on_ringing,
    AgentRingEnded: LiveBoard.on_ring_ended, GreetingDecision: LiveBoard.on_greeting,
    HoldChanged: LiveBoard.on_hold,
    CallEnded: LiveBoard.on_ended, AgentStateChanged: LiveBoard.on_agent, SupervisorAlert: LiveBoard.on_alert,
    CallStored: LiveBoard.on_stored, StoreHealthChanged: LiveBoard.on_store_health,
    LiveSnapshot: LiveBoard.on_live_snapshot,
    LiveWords: LiveBoard.on_words, LiveStatus: LiveBoard.on_live_status,
}
