"""Queue state as app_queue keeps it: members (static or added), pause, callers waiting."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from callcenter.pbxsim.channels import Channel
from callcenter.pbxsim.wire import Headers

if TYPE_CHECKING:
    from callcenter.pbxsim.pbx import Pbx, QueueConfig

NOT_INUSE, INUSE, RINGING, UNAVAILABLE = 1, 2, 6, 5


@dataclass
class Member:
    interface: str
    name: str
    dynamic: bool = False
    penalty: int = 0
    paused: bool = False
    paused_reason: str = ""
    last_pause: int = 0
    calls_taken: int = 0
    last_call: int = 0
    login_time: int = 0
    in_call: bool = False


@dataclass
class Waiting:
    channel: Channel
    joined_at: float
    original_position: int
    ringing: bool = False


@dataclass
class QueueState:
    config: QueueConfig
    created_at: float
    members: list[Member] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)
    completed: int = 0
    abandoned: int = 0
    holdtime_total: float = 0.0
    talktime_total: float = 0.0
    last_member: int = -1  # rrmemory: where the previous round stopped

    def __post_init__(self) -> None:
        self.members = [Member(i, n, login_time=int(self.created_at)) for i, n in self.config.members]

    @property
    def name(self) -> str:
        return self.config.name

    def member(self, interface: str) -> Member | None:
        return next((m for m in self.members if m.interface.lower() == interface.lower()), None)

    def position(self, entry: Waiting) -> int:
        return self.waiting.index(entry) + 1


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
