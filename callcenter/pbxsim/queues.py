"""What app_queue does with its queues on the PBX: member device states, availability, the
member picked for the next caller. The state itself is in ``queue_state.py``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from callcenter.pbxsim.queue_state import BUSY, INUSE, NOT_INUSE, RINGING, UNAVAILABLE, Member, QueueState
from callcenter.pbxsim.wire import Headers

if TYPE_CHECKING:
    from callcenter.pbxsim.pbx import Pbx


def endpoint_of(interface: str) -> str | None:
    """``PJSIP/8101`` -> ``8101``; None for what registers nothing (Local channels)."""
    technology, _, rest = interface.partition("/")
    return rest if technology.upper() == "PJSIP" and rest else None


def registered(pbx: Pbx, interface: str) -> bool:
    """A PJSIP phone has a contact (registrations.py); anything else always can be dialled."""
    endpoint = endpoint_of(interface)
    return endpoint is None or endpoint not in pbx.unregistered


def busy_when_rung(pbx: Pbx, interface: str) -> bool:
    """A hotline phone's endpoint has ``device_state_busy_at = 1`` (ivr/accounts.py): Asterisk
    reports it BUSY while it rings and in a call (captures README); a trunk is not one."""
    endpoint = endpoint_of(interface)
    return endpoint is not None and endpoint not in pbx.config.trunks


def device_status(pbx: Pbx, interface: str) -> int:
    busy = pbx.member_state.get(interface)
    if busy is not None and busy_when_rung(pbx, interface):
        return BUSY
    if busy == "ringing":
        # Local members report INUSE while ringing (trace README, observation 9).
        return INUSE if interface.startswith("Local/") else RINGING
    if busy == "inuse":
        return INUSE
    return NOT_INUSE if registered(pbx, interface) else UNAVAILABLE


def member_headers(pbx: Pbx, queue: QueueState, member: Member) -> Headers:
    return [
        ("Queue", queue.name), ("MemberName", member.name), ("Interface", member.interface),
        ("StateInterface", member.interface), ("Membership", "dynamic" if member.dynamic else "static"),
        ("Penalty", str(member.penalty)), ("CallsTaken", str(member.calls_taken)),
        ("LastCall", str(member.last_call)), ("LastPause", str(member.last_pause)),
        ("LoginTime", str(member.login_time)), ("InCall", "1" if member.in_call else "0"),
        ("Status", str(device_status(pbx, member.interface))), ("Paused", "1" if member.paused else "0"),
        ("PausedReason", member.paused_reason), ("Ringinuse", "0"), ("Wrapuptime", "0"),
    ]


# DeviceStateChange's State for a device pbxsim rings or connects. Local channels report INUSE
# while ringing (answered_fast: ``Local/agent1@agents INUSE`` right after the ;1 rings).
_DEVICE_STATE = {"ringing": "RINGING", "inuse": "INUSE", None: "NOT_INUSE"}


def device_state_change(pbx: Pbx, interface: str, state: str | None) -> None:
    pbx.emit("DeviceStateChange", "call,all",
             [("Device", interface), ("State", device_state(pbx, interface, state))])


def device_state(pbx: Pbx, interface: str, state: str | None) -> str:
    if state is not None and busy_when_rung(pbx, interface):
        return "BUSY"
    shown = "INUSE" if state == "ringing" and interface.startswith("Local/") else _DEVICE_STATE[state]
    if state is None and not registered(pbx, interface):
        shown = "UNAVAILABLE"
    return shown


def set_member_state(pbx: Pbx, interface: str, state: str | None) -> None:
    """Change a device's state: DeviceStateChange, then QueueMemberStatus for every queue it
    belongs to (the order of the traces). Nothing when the device state stays the same (a hotline
    phone answering stays BUSY): Asterisk reports changes only."""
    before = device_state(pbx, interface, pbx.member_state.get(interface))
    if state is None:
        pbx.member_state.pop(interface, None)
    else:
        pbx.member_state[interface] = state
    if busy_when_rung(pbx, interface) and device_state(pbx, interface, state) == before:
        return
    member_status_changed(pbx, interface)


def member_status_changed(pbx: Pbx, interface: str) -> None:
    """The device's new state, then QueueMemberStatus for every queue it belongs to."""
    device_state_change(pbx, interface, pbx.member_state.get(interface))
    for queue in sorted(pbx.queues.values(), key=lambda q: q.name):
        member = queue.member(interface)
        if member is not None:
            pbx.emit("QueueMemberStatus", "agent,all", member_headers(pbx, queue, member))


def available(pbx: Pbx, member: Member) -> bool:
    """app_queue's can_ring_entry with ringinuse=no: not paused, its device NOT_INUSE (a phone
    that is not registered is UNAVAILABLE), not being rung for another caller."""
    return not member.paused and interface_free(pbx, member.interface) and registered(pbx, member.interface)


def interface_free(pbx: Pbx, interface: str) -> bool:
    return interface not in pbx.member_state


@dataclass(eq=False)
class Round:
    """One of app_queue's try_calling rounds for a caller: each member's rrmemory metric and
    whether it is still to be tried (its ``stillgoing``), and the member rung."""

    metrics: list[tuple[Member, int]]
    out: set[int] = field(default_factory=set)  # id() of members tried or unable to ring
    rung: Member | None = None


def start_round(pbx: Pbx, queue: QueueState) -> Round:
    """rrmemory as app_queue computes it (calc_metric, ring_one): members from ``rrpos`` on come
    first, those before it after them; the first that can ring is rung, the ones passed over
    because they cannot (paused, busy, not registered) are out of this round."""
    metrics = []
    for position, member in enumerate(queue.members):
        if position < queue.rrpos:
            metric = 1000 + position
        else:
            if position > queue.rrpos:
                queue.wrapped = True
            metric = position
        metrics.append((member, metric + member.penalty * 1_000_000))
    round_ = Round(metrics)
    for member, _metric in sorted(metrics, key=lambda item: item[1]):
        round_.out.add(id(member))
        if available(pbx, member):
            round_.rung = member
            break
    return round_


def end_round(queue: QueueState, round_: Round) -> None:
    """store_next_rr: the next round starts at the best member not tried in this one, else one
    further on (or from the top when the metrics wrapped)."""
    left = [metric for member, metric in round_.metrics if id(member) not in round_.out]
    if left:
        queue.rrpos = min(left) % 1000
    elif queue.wrapped:
        queue.rrpos = 0
    else:
        queue.rrpos += 1
    queue.wrapped = False


def member_removed(queue: QueueState, member: Member) -> None:
    """queue_member_follower_removal: a member removed before ``rrpos`` moves it back by one,
    so the member that was next is not skipped."""
    if queue.members.index(member) < queue.rrpos:
        queue.rrpos -= 1
