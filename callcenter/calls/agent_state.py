"""Agent states from queue member and device events → AgentStateChanged (only real changes)."""

from __future__ import annotations

from collections.abc import Callable

from callcenter.ami import events as ev
from callcenter.calls.draft import interface_of
from callcenter.messages import AgentStateChanged

# app_queue's member Status (AST_DEVICE_*): 1 not in use, 2 in use, 3 busy, 4 invalid,
# 5 unavailable, 6 ringing, 7 ringing while in use, 8 on hold. The rendered PJSIP endpoints have
# device_state_busy_at = 1, so Asterisk reports a phone that rings as BUSY (3), as in a call, and
# Local members report 2 while ringing (traces README, 9): a phone is ringing while a dial to it
# (AgentCalled, DialBegin) is open, whatever its device state says.
_MEMBER_STATUS = {0: "unavailable", 1: "available", 2: "talking", 3: "talking", 4: "unavailable",
                  5: "logged_out", 6: "ringing", 7: "ringing", 8: "talking"}
_DEVICE_STATE = {"NOT_INUSE": "available", "INUSE": "talking", "BUSY": "talking", "ONHOLD": "talking",
                 "RINGING": "ringing", "RINGINUSE": "ringing", "UNAVAILABLE": "logged_out",
                 "INVALID": "unavailable", "UNKNOWN": "unavailable"}


class AgentStates:
    def __init__(self, agent_id_for: Callable[[str | None], str | None],
                 listening_in: Callable[[str], bool] = lambda interface: False, server: str = "") -> None:
        self._agent_id_for = agent_id_for
        self._server = server  # the PBX's name, on each change: where the phone is
        # A supervisor's phone in a spy session is busy listening, not on a call of its own.
        self._listening_in = listening_in
        self._last: dict[str, tuple[str, bool, str | None]] = {}  # what was last published
        self._base: dict[str, str] = {}  # the device state underneath a pause
        self._paused: dict[str, tuple[bool, str | None]] = {}
        self._ringing: dict[str, str] = {}  # interface → the dialled channel that rings it

    def ring(self, event: ev.AmiEvent) -> AgentStateChanged | None:
        """A call event that starts or ends the ringing of an agent's phone."""
        if isinstance(event, ev.AgentEvent):
            channel, start = event.dest_channel, event.name == "AgentCalled"
            answered = event.name == "AgentConnect"
        elif isinstance(event, ev.DialBegin) and not isinstance(event, ev.DialState):
            channel, start = event.dest_channel, not isinstance(event, ev.DialEnd)
            answered = isinstance(event, ev.DialEnd) and event.status == "ANSWER"
        else:
            return None
        if not channel:
            return None
        interface = interface_of(channel)
        if start:
            if interface in self._paused or self._agent_id_for(interface) is not None:
                self._ringing[interface] = channel
                if self._base.get(interface) == "talking":  # the device state came first
                    return self._change(interface, "talking", None, event.at)
            return None
        if self._ringing.get(interface) != channel:
            return None
        del self._ringing[interface]
        # Unanswered, the phone's own NOT_INUSE follows at once: no "talking" in between.
        if answered and self._base.get(interface) == "talking":
            return self._change(interface, "talking", None, event.at)
        return None

    def apply(self, event: ev.AmiEvent) -> AgentStateChanged | None:
        if isinstance(event, ev.MemberState):
            return self._member(event)
        if isinstance(event, ev.DeviceState):
            return self._device(event)
        return None

    def _member(self, e: ev.MemberState) -> AgentStateChanged | None:
        if e.name == "QueueMemberPause" or e.status is None:
            self._paused[e.interface] = (e.paused, e.reason)
            state = self._base.get(e.interface, "available")
        else:
            self._paused[e.interface] = (e.paused, e.reason if e.paused else None)
            state = _MEMBER_STATUS.get(e.status, "unavailable")
        return self._change(e.interface, state, e.queue, e.at)

    def _device(self, e: ev.DeviceState) -> AgentStateChanged | None:
        # Only devices that are queue members or hotline agents; not Queue:… or the caller's Local.
        if e.device not in self._paused and self._agent_id_for(e.device) is None:
            return None
        return self._change(e.device, _DEVICE_STATE.get(e.state, "unavailable"), None, e.at)

    def _change(self, interface: str, state: str, queue: str | None, at: float) -> AgentStateChanged | None:
        self._base[interface] = state
        if state == "talking" and interface in self._ringing:
            state = "ringing"
        elif state in ("available", "logged_out", "unavailable"):
            self._ringing.pop(interface, None)  # an idle or gone phone rings no more (a lost DialEnd)
        paused, reason = self._paused.get(interface, (False, None))
        shown = "paused" if paused and state == "available" else state
        if shown == "talking" and self._listening_in(interface):
            shown = "listening"
        if self._last.get(interface) == (shown, paused, reason):
            return None  # a new pause reason is news too
        self._last[interface] = (shown, paused, reason)
        return AgentStateChanged(interface, self._agent_id_for(interface), shown,  # type: ignore[arg-type]
                                 paused, reason, queue, at, self._server)
