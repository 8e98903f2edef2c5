"""The desk's phone actions in a process without an AMI connection (a web front end run apart,
issue 16): each is asked of the tracker of the agent's PBX (``DeskRequest`` over the relay), which
performs it on its Asterisk (``agents.phone_requests``) and answers (``DeskAnswer``). A
supervisor's listen-in is asked of every tracker: the one that follows the call does it. The
desk's queue snapshot (QueueStatus) is every tracker's members together, those of a phone's
reachable PBX last, so that its state there is the one the desk shows.

Which PBX: the one whose tracker last reported the agent's phone reachable (any AgentStateChanged
but logged out or unavailable: on the other PBXs the phone is not registered) or on which its last
call ended (so a wrap-up pause goes where the call was); until one has, the only tracker heard
from (each answers a web front end's snapshot request when it connects), else this process's own
``CALLCENTER_PBX_NAME``. An unpause goes to every PBX that last reported the phone paused. An
answer that does not come within ANSWER_SECONDS reads as the phone system being unavailable, as
without AMI: the desk says so, never hangs.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from callcenter.agents.desk import Forbidden, NotFound, Unavailable, dialled
from callcenter.agents.listen_in import NO_SUCH_CALL, ListenIn, ListenInError
from callcenter.agents.roster import interface_of
from callcenter.agents.states import UNAVAILABLE_TEXT, PhoneSystemUnavailable
from callcenter.ami.actions import AmiActionError
from callcenter.bus import EventBus
from callcenter.calls.model import CallEnded
from callcenter.hotline import Agent
from callcenter.messages import AgentStateChanged, DeskAnswer, DeskRequest, LiveSnapshot

log = logging.getLogger(__name__)

ANSWER_SECONDS = 12.0  # above the tracker's own AMI action timeout (10 s)
UNREACHABLE = ("logged_out", "unavailable")
UNREACHABLE_STATUS = ("0", "4", "5")  # QueueMember Status: unknown, invalid, unavailable


class PhoneLocations:
    """The PBX each agent's phone is on, as the trackers' agent states tell."""

    def __init__(self, default_pbx: str) -> None:
        self.default_pbx = default_pbx
        self._where: dict[str, str] = {}  # interface → PBX name
        self._paused: dict[str, set[str]] = {}  # interface → the PBXs that last reported it paused
        self.heard: set[str] = set()  # trackers heard from

    def on_state(self, message: AgentStateChanged) -> None:
        if not message.pbx:
            return
        self.heard.add(message.pbx)
        if message.state not in UNREACHABLE:
            self._where[message.interface] = message.pbx
        paused = self._paused.setdefault(message.interface, set())
        if message.paused:
            paused.add(message.pbx)
        else:
            paused.discard(message.pbx)

    def on_call_ended(self, message: CallEnded) -> None:
        record = message.record
        if record.agent and record.server:
            self.heard.add(record.server)
            self._where[record.agent] = record.server

    def paused_on(self, interface: str) -> list[str]:
        return sorted(self._paused.get(interface, ()))

    def on_snapshot(self, message: LiveSnapshot) -> None:
        self.heard.add(message.server)

    def pbx_for(self, interface: str) -> str:
        known = self._where.get(interface)
        if known is not None:
            return known
        if len(self.heard) == 1:
            return next(iter(self.heard))
        return self.default_pbx


class RelayedActions:
    """The part of the AMI action client the desk uses, carried to a tracker and back."""

    def __init__(self, bus: EventBus, default_pbx: str, answer_seconds: float = ANSWER_SECONDS) -> None:
        self._bus = bus
        self.locations = PhoneLocations(default_pbx)
        self._answer_seconds = answer_seconds
        self._waiting: dict[str, asyncio.Future[DeskAnswer]] = {}
        self._not_found: dict[str, set[str]] = {}  # listen-ins: the trackers that follow no such call
        self._gathered: dict[str, list[DeskAnswer]] = {}  # queue snapshots: every tracker's answer
        bus.subscribe_sync(AgentStateChanged, self.locations.on_state)
        bus.subscribe_sync(LiveSnapshot, self.locations.on_snapshot)
        bus.subscribe_sync(CallEnded, self.locations.on_call_ended)
        bus.subscribe_sync(DeskAnswer, self._answered)

    async def queue_pause(self, interface: str, paused: bool, reason: str | None = None,
                          queue: str | None = None) -> None:
        where: list[str | None] = [None]  # the phone's PBX
        if not paused:
            where = [*self.locations.paused_on(interface)] or where
        for pbx in where:
            await self._ask("pause", interface, pbx, paused=paused, reason=reason, queue=queue)

    async def queue_add(self, queue: str, interface: str, member_name: str | None = None,
                        paused: bool = False) -> None:
        # The tracker names the member after the hotline's agent and adds it unpaused, as the desk does.
        if paused:
            raise ValueError("the desk adds members unpaused")
        await self._ask("queue_add", interface, queue=queue)

    async def queue_remove(self, queue: str, interface: str) -> None:
        await self._ask("queue_remove", interface, queue=queue)

    async def call_for_ticket(self, agent: Agent, number: str, ticket_id: int, *, international: bool,
                              action_id: str) -> None:
        dialled(number, international)  # a number the desk would not dial is refused here already
        await self._ask("originate", interface_of(agent), number=number, ticket_id=ticket_id,
                        action_id=action_id)

    async def send(self, action: dict[str, str]) -> list[dict[str, str]]:
        """The QueueStatus snapshot (the only list action the desk sends), from every tracker."""
        if action != {"Action": "QueueStatus"}:
            raise ValueError(f"{action.get('Action')!r} is not asked of the trackers")
        request = DeskRequest(pbx="", request_id=uuid.uuid4().hex, kind="queue_status", interface="")
        self._gathered[request.request_id] = []
        try:
            await self._request(request)
            answers = list(self._gathered[request.request_id])
        finally:
            self._gathered.pop(request.request_id, None)
        members = [m for a in answers if a.ok for m in a.members or []]
        if not members and not any(a.ok for a in answers):
            raise PhoneSystemUnavailable(UNAVAILABLE_TEXT)
        return sorted(members, key=lambda m: m.get("Status") not in UNREACHABLE_STATUS)  # stable

    async def listen_in(self, supervisor: Agent, linkedid: str, mode: str) -> ListenIn:
        """Every tracker is asked; the one that follows the call rings the supervisor's phone into it.
        A call none follows is not found once every tracker heard from has said so."""
        try:
            got = await self._request(DeskRequest(pbx="", request_id=uuid.uuid4().hex, kind="listen_in",
                                                  interface=interface_of(supervisor), linkedid=linkedid,
                                                  mode=mode))
        except PhoneSystemUnavailable:
            raise Unavailable(UNAVAILABLE_TEXT) from None
        if got.ok and got.listening is not None:
            return ListenIn(**got.listening)  # type: ignore[arg-type]
        if got.failure == "not_found":
            raise NotFound(NO_SUCH_CALL)
        if got.failure == "unavailable":
            raise Unavailable(UNAVAILABLE_TEXT)
        refusal = {403: Forbidden, 404: NotFound, 409: ListenInError, 503: Unavailable}.get(got.status)
        if refusal is not None:
            raise refusal(got.message)
        raise AmiActionError(got.message or "refused")

    async def _ask(self, kind: str, interface: str, pbx: str | None = None, **fields: Any) -> None:
        pbx = pbx or self.locations.pbx_for(interface)
        got = await self._request(DeskRequest(pbx=pbx, request_id=uuid.uuid4().hex, kind=kind,
                                              interface=interface, **fields))
        if got.ok:
            return
        if got.failure == "unavailable":
            raise PhoneSystemUnavailable(UNAVAILABLE_TEXT)
        if got.failure == "invalid":
            log.warning("desk: the tracker of PBX %s refused a %s for %s: %s", pbx, kind, interface,
                        got.message)
        raise AmiActionError(got.message or got.failure or "refused")

    async def _request(self, request: DeskRequest) -> DeskAnswer:
        """Send ``request`` and wait for its answer, a bounded time."""
        answer: asyncio.Future[DeskAnswer] = asyncio.get_running_loop().create_future()
        self._waiting[request.request_id] = answer
        self._not_found[request.request_id] = set()
        try:
            self._bus.publish(request)
            async with asyncio.timeout(self._answer_seconds):
                return await answer
        except TimeoutError:
            if self._not_found[request.request_id]:  # some trackers said no, none said yes
                return DeskAnswer(request.request_id, "", False, "not_found")
            gathered = self._gathered.get(request.request_id)
            if gathered:
                missing = self.locations.heard - {a.pbx for a in gathered}
                log.warning("desk: the queue snapshot goes without PBX %s (no answer within %g s)",
                            ", ".join(sorted(missing)), self._answer_seconds)
                return gathered[-1]
            log.warning("desk: no tracker%s answered a %s%s within %g s (is its tracker running?)",
                        f" of PBX {request.pbx}" if request.pbx else "", request.kind,
                        f" for {request.interface}" if request.interface else "", self._answer_seconds)
            raise PhoneSystemUnavailable(UNAVAILABLE_TEXT) from None
        finally:
            self._waiting.pop(request.request_id, None)
            self._not_found.pop(request.request_id, None)

    def _answered(self, answer: DeskAnswer) -> None:
        waiting = self._waiting.get(answer.request_id)
        if waiting is None or waiting.done():
            return
        gathered = self._gathered.get(answer.request_id)
        if gathered is not None:
            gathered.append(answer)
            if not self.locations.heard <= {a.pbx for a in gathered}:
                return  # another tracker's members are still to come
        elif answer.failure == "not_found":
            said = self._not_found[answer.request_id]
            said.add(answer.pbx)
            if not self.locations.heard <= said:
                return  # another tracker may follow the call
        waiting.set_result(answer)
