"""What app_queue does with its queues on the PBX: member device states, availability, the
member picked for the next caller. The state itself is in ``queue_state.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from callcenter.pbxsim.queue_state import INUSE, NOT_INUSE, RINGING, Member, QueueState
from callcenter.pbxsim.wire import Headers

if TYPE_CHECKING:
    from callcenter.pbxsim.pbx import Pbx


def device_status(pbx: Pbx, interface: str) -> int:
    busy = pbx.member_state.get(interface)
    if busy == "ringing":
        # Local members report INUSE while ringing (trace README, observation 9).
        return INUSE if interface.startswith("Local/") else RINGING
    return INUSE if busy == "inuse" else NOT_INUSE


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
    shown = "INUSE" if state == "ringing" and interface.startswith("Local/") else _DEVICE_STATE[state]
    pbx.emit("DeviceStateChange", "call,all", [("Device", interface), ("State", shown)])


def set_member_state(pbx: Pbx, interface: str, state: str | None) -> None:
    """Change a device's state: DeviceStateChange, then QueueMemberStatus for every queue it
    belongs to (the order of the traces)."""
    if state is None:
        pbx.member_state.pop(interface, None)
    else:
        pbx.member_state[interface] = state
    device_state_change(pbx, interface, state)
    for queue in sorted(pbx.queues.values(), key=lambda q: q.name):
        member = queue.member(interface)
        if member is not None:
            pbx.emit("QueueMemberStatus", "agent,all", member_headers(pbx, queue, member))


def available(pbx: Pbx, member: Member) -> bool:
    return not member.paused and interface_free(pbx, member.interface)


def interface_free(pbx: Pbx, interface: str) -> bool:
    return interface not in pbx.member_state


def pick_member(pbx: Pbx, queue: QueueState) -> Member | None:
    """rrmemory: the next available member after the one rung last."""
    count = len(queue.members)
    for step in range(1, count + 1):
        index = (queue.last_member + step) % count
        member = queue.members[index]
        if available(pbx, member):
            queue.last_member = index
            return member
    return None
