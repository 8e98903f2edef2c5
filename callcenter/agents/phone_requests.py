"""A tracker performs the desk actions a web front end run apart asks of it (issue 16).

A web front end holds no AMI connection: its desk's pauses, queue log-ins and log-outs and click
to call reach Asterisk through the tracker of the agent's PBX (``DeskRequest`` over the relay,
``agents.relayed``). Only the desk's own actions are performed, and each is built here from
checked fields: the interface one of the hotline's agents' phones, the queue one of its queues,
the pause reason one the desk gives, the number one it dials (callcenter.phones), the ActionID of
the desk's own form. Anything else is refused with one log line and answered ``invalid``: no
field of a request reaches Asterisk unchecked (trust first, R17). A supervisor's listen-in goes
to every tracker: the one that follows the call in conversation rings the supervisor's phone
into it (``agents.listen_in``, with its own checks), the others answer ``not_found``. The desk's
queue snapshot (``queue_status``) is answered by every tracker with its hotline members.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from typing import Any

from callcenter.agents.desk import DeskError, call_for_ticket, dialled
from callcenter.agents.listen_in import listen_in, listening_supervisor
from callcenter.agents.roster import agent_for_interface, interface_of
from callcenter.agents.states import OFF_DUTY_REASON, PAUSE_REASONS
from callcenter.ami.actions import AmiActionError, AmiLinkDown
from callcenter.hotline import Agent, Hotline
from callcenter.messages import DeskAnswer, DeskRequest, LiveSnapshot
from callcenter.service import ServiceContext

log = logging.getLogger(__name__)

KINDS = ("pause", "queue_add", "queue_remove", "originate", "listen_in", "queue_status")
# What a queue snapshot carries of each QueueMember event (what AgentStates.apply_snapshot reads).
MEMBER_FIELDS = ("Event", "Queue", "StateInterface", "Location", "Paused", "PausedReason", "Status")
LINKEDID_MAX = 64
REQUEST_ID = re.compile(r"[0-9a-f]{32}")
ACTION_ID = re.compile(r"desk-[0-9a-f]{32}")  # the desk's click-to-call ActionIDs, nothing else
REASONS = frozenset({label for label, _ in PAUSE_REASONS.values()} | {OFF_DUTY_REASON})
_TEXT_FIELDS = ("request_id", "kind", "interface", "reason", "queue", "number", "action_id", "linkedid",
                "mode")


def checked(hotline: Hotline, request: DeskRequest) -> Agent | None:
    """The agent ``request`` acts for (None for a queue snapshot), or ValueError naming the field
    no desk action has."""
    for name in _TEXT_FIELDS:
        value = getattr(request, name)
        if value is None and name in ("request_id", "kind", "interface"):
            raise ValueError(f"{name} is missing")
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{name} must be text")
        if value is not None and not value.isprintable():
            raise ValueError(f"{name} carries a line break or control character")
    if not REQUEST_ID.fullmatch(request.request_id):
        raise ValueError(f"{request.request_id[:40]!r} is not a request id")
    if request.kind not in KINDS:
        raise ValueError(f"{request.kind[:40]!r} is not a desk action (one of {', '.join(KINDS)})")
    if request.kind == "queue_status":
        return None
    agent = next((a for a in hotline.agents if interface_of(a) == request.interface), None)
    if agent is None:
        raise ValueError(f"{request.interface[:60]!r} is none of the hotline's agents' phones")
    if not isinstance(request.paused, bool):
        raise ValueError("paused must be true or false")
    if request.reason is not None and request.reason not in REASONS:
        raise ValueError(f"{request.reason[:40]!r} is not a pause reason the desk gives")
    queues = {d.queue for d in hotline.departments}
    if request.queue is not None and request.queue not in queues:
        raise ValueError(f"{request.queue[:40]!r} is none of the hotline's queues")
    if request.kind in ("queue_add", "queue_remove") and request.queue is None:
        raise ValueError(f"{request.kind} names no queue")
    if request.kind == "listen_in":
        try:
            listening_supervisor(hotline, agent.id, request.mode or "")
        except DeskError as exc:
            raise ValueError(str(exc)) from None
        if not request.linkedid or len(request.linkedid) > LINKEDID_MAX:
            raise ValueError(f"linkedid must be 1 to {LINKEDID_MAX} characters")
    if request.kind == "originate":
        ticket = request.ticket_id
        if not (isinstance(ticket, int) and not isinstance(ticket, bool) and ticket > 0):
            raise ValueError("ticket_id must be a positive whole number")
        if request.action_id is None or not ACTION_ID.fullmatch(request.action_id):
            raise ValueError("action_id is not one of the desk's")
        try:
            dialled(request.number or "", hotline.phones.international)
        except DeskError as exc:
            raise ValueError(f"number: {exc}") from None
    return agent


async def perform(actions: Any, hotline: Hotline, agent: Agent, request: DeskRequest) -> None:
    """The AMI action of one checked request, on this tracker's Asterisk."""
    interface = interface_of(agent)
    if request.kind == "pause":
        await actions.queue_pause(interface, request.paused, reason=request.reason, queue=request.queue)
    elif request.kind == "queue_add":
        await actions.queue_add(request.queue, interface, member_name=agent.name, paused=False)
    elif request.kind == "queue_remove":
        await actions.queue_remove(request.queue, interface)
    else:
        assert request.ticket_id is not None and request.number is not None
        await call_for_ticket(actions, agent, request.number, request.ticket_id,
                              international=hotline.phones.international, action_id=request.action_id)


class PhoneRequestsComponent:
    name = "desk-requests"

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def start(self) -> None:
        self.ctx.bus.subscribe(DeskRequest, self.on_request, name="agents:desk-requests")
        tracker = self.ctx.tracker
        if tracker is not None:
            # Web front ends started before this tracker learn it is there (``agents.relayed``: the
            # PBX of a phone no tracker has reported yet); their wallboards take its calls.
            self.ctx.bus.publish(LiveSnapshot(self.ctx.settings.pbx_name, tuple(tracker.live_calls())))

    async def stop(self) -> None:
        return None

    async def on_request(self, request: DeskRequest) -> None:
        pbx = self.ctx.settings.pbx_name
        if request.pbx != pbx and not (request.kind in ("listen_in", "queue_status") and request.pbx == ""):
            return  # the tracker of another PBX answers it
        answer_to = str(request.request_id)[:64]
        try:
            agent = checked(self.ctx.settings.hotline, request)
        except (TypeError, ValueError) as exc:
            log.warning("desk: refused a desk request on %s (nothing sent to Asterisk): %s", pbx, exc)
            self._answer(answer_to, "invalid", str(exc))
            return
        if agent is None:
            await self._queue_status(answer_to)
            return
        if request.kind == "listen_in":
            await self._listen_in(answer_to, agent, request)
            return
        actions = self.ctx.actions
        if actions is None:
            log.warning("desk: %s for %s not done: Asterisk %s is not connected", request.kind, agent.id, pbx)
            self._answer(answer_to, "unavailable", "")
            return
        try:
            await perform(actions, self.ctx.settings.hotline, agent, request)
        except (AmiLinkDown, ConnectionError) as exc:
            log.warning("desk: %s for %s on %s not done: %s", request.kind, agent.id, pbx, exc)
            self._answer(answer_to, "unavailable", str(exc))
        except (AmiActionError, DeskError) as exc:
            self._answer(answer_to, "refused", str(exc))
        except Exception as exc:  # one request never stops the tracker; the desk is told
            log.exception("desk: %s for %s on %s failed", request.kind, agent.id, pbx)
            self._answer(answer_to, "refused", str(exc).splitlines()[0][:200] if str(exc) else "error")
        else:
            done = "unpause" if request.kind == "pause" and not request.paused else request.kind
            log.info("desk: %s for %s done on %s", done, agent.id, pbx)
            self.ctx.bus.publish(DeskAnswer(answer_to, pbx, True))

    async def _listen_in(self, answer_to: str, supervisor: Agent, request: DeskRequest) -> None:
        pbx, tracker = self.ctx.settings.pbx_name, self.ctx.tracker
        linkedid, mode = request.linkedid or "", request.mode or ""
        if tracker is None or tracker.agent_line(linkedid) is None:
            self._answer(answer_to, "not_found", "", 404)  # another PBX's call, or none in conversation
            return
        try:
            started = await listen_in(self.ctx.settings.hotline, tracker, self.ctx.actions, supervisor.id,
                                      linkedid, mode)
        except DeskError as exc:
            self._answer(answer_to, "refused", str(exc), exc.status)
            return
        except AmiActionError as exc:
            self._answer(answer_to, "refused", str(exc), 502)
            return
        log.info("desk: %s of call %s for %s done on %s", mode, linkedid, supervisor.id, pbx)
        self.ctx.bus.publish(DeskAnswer(answer_to, pbx, True, listening=dataclasses.asdict(started)))

    async def _queue_status(self, answer_to: str) -> None:
        pbx, hotline, actions = self.ctx.settings.pbx_name, self.ctx.settings.hotline, self.ctx.actions
        try:
            if actions is None:
                raise AmiLinkDown(f"Asterisk {pbx} is not connected")
            events = await actions.send({"Action": "QueueStatus"})
        except (AmiLinkDown, ConnectionError) as exc:
            self._answer(answer_to, "unavailable", str(exc))
            return
        except AmiActionError as exc:
            self._answer(answer_to, "refused", str(exc))
            return
        members = [{k: str(e[k]) for k in MEMBER_FIELDS if k in e} for e in events
                   if e.get("Event") == "QueueMember"
                   and agent_for_interface(hotline, e.get("StateInterface") or e.get("Location")) is not None]
        self.ctx.bus.publish(DeskAnswer(answer_to, pbx, True, members=members))

    def _answer(self, request_id: str, failure: str, message: str, status: int = 0) -> None:
        self.ctx.bus.publish(DeskAnswer(request_id, self.ctx.settings.pbx_name, False, failure, message,
                                        status))


def build(ctx: ServiceContext) -> PhoneRequestsComponent:
    return PhoneRequestsComponent(ctx)
