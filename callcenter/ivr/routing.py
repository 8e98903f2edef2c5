"""Where an inbound call goes: pure decisions, no I/O (contract C3; R14, R15, R18).

The FastAGI ``inbound`` script feeds these functions what it learnt (caller ID, the clock, the
key pressed, the caller's history, the agents' states) and writes the result into the channel
variables the dialplan reads: CC_ROUTE, CC_TARGET, CC_DEPARTMENT, CC_QUEUE, CC_CALLER_NAME,
CC_AGENT_ID.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from callcenter import phones
from callcenter.hotline import Department, Hotline, Menu
from callcenter.messages import AgentStateChanged

RouteName = Literal["queue", "extension", "after_hours", "blocked"]
ROUTES: tuple[RouteName, ...] = ("queue", "extension", "after_hours", "blocked")


@dataclass(frozen=True)
class Route:
    route: RouteName
    target: str = ""  # queue name (queue) or extension (extension)
    department: str | None = None
    queue: str | None = None  # where an unanswered owner call continues (R14)
    caller_name: str | None = None  # R15
    agent_id: str | None = None

    def variables(self) -> dict[str, str]:
        return {"CC_ROUTE": self.route, "CC_TARGET": self.target, "CC_DEPARTMENT": self.department or "",
                "CC_QUEUE": self.queue or "", "CC_CALLER_NAME": dialplan_safe(self.caller_name),
                "CC_AGENT_ID": self.agent_id or ""}


def dialplan_safe(text: str | None, limit: int = 32) -> str:
    """A name as the dialplan can carry it: it ends up inside Set(CALLERID(name)=…) (R15), where a
    comma, quote, bracket or '$' would split or re-expand the arguments."""
    if not text:
        return ""
    return re.sub(r"[,;|()\[\]{}$\"'\\\r\n]", "", text).strip()[:limit]


def normalise_number(number: str | None) -> str | None:
    """Caller ID as digits (a leading + kept), for look-ups; Asterisk's 'unknown'/empty, or
    anything that is not a phone number, mean no number."""
    return phones.caller_id(number)


def default_department(hotline: Hotline) -> Department:
    wanted = hotline.menu.default_department
    found = hotline.department(wanted) if wanted else None
    return found or hotline.departments[0]


def gate(hotline: Hotline, caller: str | None, open_now: bool) -> Route | None:
    """Decided before the greeting: refused numbers, then after hours (R18). None: come in."""
    blocked = {phones.dialable(n, international=True) for n in hotline.blocked_numbers} - {None}
    if caller is not None and phones.dialable(caller, international=True) in blocked:
        return Route("blocked")
    if not open_now:
        dept = default_department(hotline)
        return Route("after_hours", department=dept.id, queue=dept.queue)
    return None


def department_route(hotline: Hotline, department_id: str, caller_name: str | None) -> Route:
    dept = hotline.department(department_id) or default_department(hotline)
    return Route("queue", target=dept.queue, department=dept.id, queue=dept.queue, caller_name=caller_name)


def owner_route(hotline: Hotline, owner_id: str | None, owner_free: bool,
                caller_name: str | None) -> Route | None:
    """R14: a repeat caller with an open matter rings its owner first, if that agent is free;
    unanswered, the call continues in the owner's (first) department queue."""
    if owner_id is None or not owner_free:
        return None
    agent = hotline.agent(owner_id)
    if agent is None:
        return None
    dept = next((d for d in hotline.departments if owner_id in d.agents), default_department(hotline))
    return Route("extension", target=agent.extension, department=dept.id, queue=dept.queue,
                 caller_name=caller_name, agent_id=agent.id)


@dataclass(frozen=True)
class MenuStep:
    department: str | None  # chosen; None means ask again
    invalid: bool  # play invalid_key before asking again


def menu_step(hotline: Hotline, key: str | None, attempt: int) -> MenuStep:
    """One answer to the menu (attempt counts from 1). No key: the default department straight
    away; a wrong key: ask again up to menu.max_attempts, then the default department."""
    menu: Menu = hotline.menu
    fallback = default_department(hotline).id
    option = next((o for o in menu.options if key and o.key == key), None)
    if option is not None:
        return MenuStep(option.department, invalid=False)
    if not key:
        if menu.default_department or attempt >= menu.max_attempts:
            return MenuStep(fallback, invalid=False)
        return MenuStep(None, invalid=False)
    if attempt >= menu.max_attempts:
        return MenuStep(fallback, invalid=True)
    return MenuStep(None, invalid=True)


class AgentPresence:
    """The agents' latest states from AgentStateChanged bus messages (R14: is the owner free?).
    An agent never heard of counts as not free: the queue is the safe way."""

    def __init__(self, hotline: Hotline) -> None:
        self._hotline = hotline
        self._states: dict[str, AgentStateChanged] = {}

    def on_state(self, message: AgentStateChanged) -> None:
        agent_id = message.agent_id or self._agent_of(message.interface)
        if agent_id is not None:
            self._states[agent_id] = message

    def _agent_of(self, interface: str) -> str | None:
        tech, _, resource = interface.partition("/")
        if tech.upper() != "PJSIP":
            return None
        agent = self._hotline.agent_by_extension(resource)
        return agent.id if agent else None

    def is_free(self, agent_id: str) -> bool:
        state = self._states.get(agent_id)
        return state is not None and state.state == "available" and not state.paused
