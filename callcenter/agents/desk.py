"""What the desk may do, for whom, and the audit of it (R14, R17).

An agent acts at their own desk only; a supervisor may act at any agent's desk, and every
action (allowed, refused or failed) is kept in ``desk_actions`` with who clicked and for whom.
Asterisk's refusals come back as plain words for the agent to read.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from callcenter import phones
from callcenter.agents.roster import interface_of
from callcenter.agents.states import PhoneSystemUnavailable
from callcenter.ami.actions import AmiActionError
from callcenter.calls import outbound
from callcenter.db.models.agents import DeskAction
from callcenter.db.session import unit_of_work
from callcenter.errors import CallcenterError
from callcenter.hotline import Agent, Hotline

log = logging.getLogger(__name__)
T = TypeVar("T")

# Where an agent-first call continues once the agent answers: the callbacks area's context,
# which dials the Originate's extension (the customer) and announces the centre to them.
OUTBOUND_CONTEXT = outbound.CALLBACK_CONTEXT
ORIGINATE_TIMEOUT_MS = 30000


class DeskError(CallcenterError):
    """An action the desk cannot do; ``status`` is the HTTP status the web layer answers."""

    status = 400


class Forbidden(DeskError):
    status = 403


class NotFound(DeskError):
    status = 404


class PbxRefused(DeskError):
    """Asterisk answered the action with an error (its message, in plain words)."""

    status = 502


class Unavailable(DeskError):
    """What the action needs is not in this process (no PBX connected, no call tracker)."""

    status = 503


@dataclass(frozen=True)
class Actor:
    """Whoever is logged in to the web UI."""

    id: str
    role: str
    name: str = ""

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"


def desk_agent(hotline: Hotline, actor: Actor, requested: str | None) -> Agent:
    """The agent whose desk this is: one's own, or any agent's for a supervisor (R17)."""
    agent_id = requested or actor.id
    if agent_id != actor.id and not actor.is_supervisor:
        raise Forbidden("只能操作自己的坐席 / you may act at your own desk only")
    agent = hotline.agent(agent_id)
    if agent is None:
        raise NotFound(f"没有工号为 {agent_id} 的坐席 / no agent {agent_id}")
    return agent


def audit(sessions: Any, actor: Actor, agent_id: str, action: str, detail: dict[str, Any],
          error: str | None) -> None:
    with unit_of_work(sessions) as session:
        session.add(DeskAction(actor=actor.id, actor_role=actor.role, agent_id=agent_id, action=action,
                               detail=json.dumps(detail, ensure_ascii=False, default=str), ok=error is None,
                               error=error))


async def perform(sessions: Any, actor: Actor, agent_id: str, action: str, detail: dict[str, Any],
                  run: Callable[[], Awaitable[T]]) -> T:
    """Run one desk action and audit it, whatever the outcome."""
    try:
        result = await run()
    except DeskError as exc:
        await asyncio.to_thread(audit, sessions, actor, agent_id, action, detail, str(exc))
        raise
    except PhoneSystemUnavailable as exc:
        await asyncio.to_thread(audit, sessions, actor, agent_id, action, detail, str(exc))
        raise PbxRefused(str(exc)) from exc
    except AmiActionError as exc:
        await asyncio.to_thread(audit, sessions, actor, agent_id, action, detail, str(exc))
        raise PbxRefused(f"电话系统拒绝了操作：{exc} / the phone system refused: {exc}") from exc
    except ConnectionError as exc:
        await asyncio.to_thread(audit, sessions, actor, agent_id, action, detail, str(exc))
        raise PbxRefused("电话系统暂时连不上，请稍后再试 / the phone system cannot "
                         "be reached, try again") from exc
    await asyncio.to_thread(audit, sessions, actor, agent_id, action, detail, None)
    return result


def recent_actions(sessions: Any, agent_id: str, limit: int = 20) -> list[dict[str, Any]]:
    from sqlalchemy import select

    with unit_of_work(sessions) as session:
        rows = session.scalars(select(DeskAction).where(DeskAction.agent_id == agent_id)
                               .order_by(DeskAction.id.desc()).limit(limit))
        return [{"at": r.at.isoformat(), "actor": r.actor, "actor_role": r.actor_role, "action": r.action,
                 "detail": json.loads(r.detail or "{}"), "ok": r.ok, "error": r.error} for r in rows]


def dialled(number: str, international: bool = False) -> str:
    """The digits the desk dials for ``number`` (callcenter.phones), or the DeskError saying why not."""
    if not number:
        raise DeskError("没有可拨打的电话号码 / there is no number to call")
    try:
        return phones.normalise(number, international=international)
    except phones.PhoneError as exc:
        raise DeskError(str(exc)) from None


async def call_for_ticket(actions: Any, agent: Agent, number: str, ticket_id: int, *, international: bool,
                          action_id: str | None = None) -> str:
    """Click to call on a ticket: the agent's phone first, then the ticket's number."""
    return await originate_agent_first(actions, agent, number, label=f"工单{ticket_id}",
                                       variables={"CC_TICKET": str(ticket_id)}, international=international,
                                       action_id=action_id)


async def originate_agent_first(actions: Any, agent: Agent, number: str, *, label: str,
                                variables: dict[str, str], international: bool = False,
                                action_id: str | None = None) -> str:
    """Ring the agent's phone first; when it answers, Asterisk dials the customer (the number
    normalised by callcenter.phones: digits only, so nothing else reaches the AMI)."""
    dial = dialled(number, international)
    clean_label = "".join(c for c in label if c.isprintable() and c not in '"<>\\')[:40]
    return str(await actions.originate(
        interface_of(agent), context=OUTBOUND_CONTEXT, exten=dial, priority=1,
        caller_id=f'"{clean_label}" <{agent.extension}>', variables={"CC_AGENT": agent.id, **variables},
        timeout_ms=ORIGINATE_TIMEOUT_MS, action_id=action_id,
    ))
