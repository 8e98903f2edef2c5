"""Agent states from queue member and device events → AgentStateChanged (only real changes)."""

from __future__ import annotations

from collections.abc import Callable

from callcenter.ami import events as ev
from callcenter.messages import AgentStateChanged

# app_queue's member Status (AST_DEVICE_*): 1 not in use, 2 in use, 3 busy, 4 invalid,
# 5 unavailable, 6 ringing, 7 ringing while in use, 8 on hold. Local members report 2 (not 6)
# while ringing (traces README, 9), so "ringing" here is only as good as the channel driver.
_MEMBER_STATUS = {0: "unavailable", 1: "available", 2: "talking", 3: "talking", 4: "unavailable",
                  5: "logged_out", 6: "ringing", 7: "ringing", 8: "talking"}
_DEVICE_STATE = {"NOT_INUSE": "available", "INUSE": "talking", "BUSY": "talking", "ONHOLD": "talking",
                 "RINGING": "ringing", "RINGINUSE": "ringing", "UNAVAILABLE": "logged_out",
                 "INVALID": "unavailable", "UNKNOWN": "unavailable"}


class AgentStates:
    def __init__(self, agent_id_for: Callable[[str | None], str | None],
                 listening_in: Callable[[str], bool] = lambda interface: False) -> None:
        self._agent_id_for = agent_id_for
        # A supervisor's phone in a spy session is busy listening, not on a call of its own.
        self._listening_in = listening_in
        self._last: dict[str, tuple[str, bool, str | None]] = {}  # what was last published
        self._base: dict[str, str] = {}  # the device state underneath a pause
        self._paused: dict[str, tuple[bool, str | None]] = {}

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
        paused, reason = self._paused.get(interface, (False, None))
        shown = "paused" if paused and state == "available" else state
        if shown == "talking" and self._listening_in(interface):
            shown = "listening"
        if self._last.get(interface) == (shown, paused, reason):
            return None  # a new pause reason is news too
        self._last[interface] = (shown, paused, reason)
        return AgentStateChanged(interface, self._agent_id_for(interface), shown,  # type: ignore[arg-type]
                                 paused, reason, queue, at)
