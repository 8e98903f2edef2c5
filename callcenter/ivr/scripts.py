"""The three FastAGI scripts of contract C3: ``inbound``, ``answered`` and ``message``."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from callcenter.clock import Clock
from callcenter.hotline import Hotline
from callcenter.ivr import greeting, hours, routing
from callcenter.ivr.agi import AgiCall
from callcenter.ivr.history import CallerFacts, CallerHistorySource
from callcenter.messages import MessageLeft
from callcenter.observability.metrics import greeting_decided

log = logging.getLogger(__name__)
PROMPT = "callcenter/zh/{}"
HISTORY_TIMEOUT = 1.5  # a slow database must not keep a caller in silence; route without history


@dataclass
class IvrScripts:
    hotline: Hotline
    clock: Clock
    # Keeps a message left for a callback (on disk, then stored) before the script answers.
    keep_message: Callable[[MessageLeft], Awaitable[None]]
    server: str  # CALLCENTER_PBX_NAME: a message is keyed by it and its Linkedid
    history: CallerHistorySource
    presence: routing.AgentPresence
    tracker: Callable[[], Any]  # ctx.tracker, read per call: the core may publish it after we start

    def routes(self) -> dict[str, Any]:
        return {"inbound": self.inbound, "answered": self.answered, "message": self.message}

    # --- inbound: greeting, menu, routing --------------------------------------------------
    async def inbound(self, call: AgiCall) -> None:
        caller = routing.normalise_number(call.env.get("agi_callerid"))
        gate = routing.gate(self.hotline, caller, hours.is_open(self.hotline, self.clock.now()))
        if gate is not None:  # blocked (refused) or after hours (R18): the dialplan plays the prompt
            await self._set_route(call, gate)
            return
        facts_task = asyncio.create_task(self._facts(caller))  # looked up while the greeting plays
        try:
            await call.stream_file(PROMPT.format("greeting"))  # R3
            facts = await facts_task
        finally:
            facts_task.cancel()
        owner_free = facts.owner is not None and self.presence.is_free(facts.owner)
        route = routing.owner_route(self.hotline, facts.owner, owner_free, facts.name)  # R14
        if route is None:
            department = await self._menu(call)
            route = routing.department_route(self.hotline, department, facts.name)
        await self._set_route(call, route)

    async def _facts(self, caller: str | None) -> CallerFacts:
        if caller is None:
            return CallerFacts()
        try:
            return await asyncio.wait_for(asyncio.to_thread(self.history.facts, caller), HISTORY_TIMEOUT)
        except TimeoutError:
            log.warning("caller history for %s took over %.1f s; routing without it", caller, HISTORY_TIMEOUT)
        except Exception:
            log.exception("caller history look-up failed; routing without it")
        return CallerFacts()

    async def _menu(self, call: AgiCall) -> str:
        timeout_ms = self.hotline.menu.timeout_seconds * 1000
        attempt = 1
        while True:
            key = await call.get_data(PROMPT.format("menu"), timeout_ms, 1)
            step = routing.menu_step(self.hotline, key, attempt)
            if step.invalid:
                await call.stream_file(PROMPT.format("invalid_key"))
            if step.department is not None:
                return step.department
            attempt += 1

    async def _set_route(self, call: AgiCall, route: routing.Route) -> None:
        for name, value in route.variables().items():
            await call.set_variable(name, value)
        log.debug("call %s from %s -> %s %s", call.env.get("agi_uniqueid"), call.env.get("agi_callerid"),
                 route.route, route.target)

    # --- answered: the agent's 工号, with the apology when late (R2, R3) ----------------------
    async def answered(self, call: AgiCall) -> None:
        interface = await call.get_variable("MEMBERINTERFACE")
        member_name = await call.get_variable("MEMBERNAME")
        started = time.perf_counter()
        decision = self._decision(call)
        agent = greeting.agent_for_member(self.hotline, interface, member_name)
        chosen = greeting.announcement(agent, decision.greeting if decision is not None else None)
        greeting_decided(decision.greeting if decision is not None else None,
                         self.clock.time() - call.arrival)
        log.debug("greeting %s for %s decided in %.2f ms", chosen.prompt, call.env.get("agi_uniqueid"),
                  (time.perf_counter() - started) * 1000)
        await call.stream_file(PROMPT.format(chosen.prompt))

    def _decision(self, call: AgiCall) -> Any:
        tracker = self.tracker()
        if tracker is None:
            log.warning("no call tracker: standard greeting for %s", call.env.get("agi_uniqueid"))
            return None
        try:
            # The request's arrival time, not "now": if the tracker has not seen the answer yet
            # it counts the ring time up to the moment Asterisk asked (C1).
            return tracker.greeting_for(call.env.get("agi_uniqueid"), call.env.get("agi_channel"),
                                        call.arrival)
        except Exception:
            log.exception("tracker failed to decide the greeting; standard greeting")
            return None

    # --- message: after a recorded message (R12, R18) -------------------------------------
    async def message(self, call: AgiCall) -> None:
        reason = await call.get_variable("CC_MESSAGE_REASON")
        if reason not in ("after_hours", "transfer_failed"):
            route = await call.get_variable("CC_ROUTE")
            reason = "after_hours" if route == "after_hours" else "transfer_failed"
        recording = _plain(await call.get_variable("RECORDED_FILE"), _PATH)
        linkedid = _plain(await call.get_variable("CHANNEL(linkedid)"),
                          _ID) or _plain(call.env.get("agi_uniqueid"), _ID)
        if linkedid is None:
            log.warning("FastAGI message: no usable Linkedid/Uniqueid from %s; nothing recorded",
                        call.env.get("agi_channel"))
            return
        # Every value comes from the AGI peer: only what the hotline file knows is taken, and the
        # caller's number is normalised by the callbacks' policies before anything is planned.
        department = await call.get_variable("CC_DEPARTMENT")
        agent_id = await call.get_variable("CC_AGENT_ID")
        await self.keep_message(MessageLeft(
            linkedid=linkedid, caller=routing.normalise_number(call.env.get("agi_callerid")),
            reason=reason,  # type: ignore[arg-type]
            department=department if department and self.hotline.department(department) else None,
            agent_id=agent_id if agent_id and self.hotline.agent(agent_id) else None,
            recording=(recording if recording.endswith(".wav") else recording + ".wav")
            if recording else None,
            at=call.arrival, server=self.server))


_ID = re.compile(r"[\w.-]{1,64}")  # Asterisk Uniqueid/Linkedid: 1733480000.123 (or a system-name prefix)
_PATH = re.compile(r"[\w./-]{1,255}")


def _plain(value: str | None, pattern: re.Pattern[str]) -> str | None:
    return value if value and pattern.fullmatch(value) and ".." not in value else None
