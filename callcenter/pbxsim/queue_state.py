"""Queue state as app_queue keeps it: members (static or added), pause, callers waiting.
What app_queue does with it, on the PBX, is in ``queues.py``."""

from __future__ import annotations

from dataclasses import dataclass, field

from callcenter.pbxsim.channels import Channel

NOT_INUSE, INUSE, BUSY, RINGING, UNAVAILABLE = 1, 2, 3, 6, 5


@dataclass(frozen=True)
class QueueConfig:
    name: str
    members: tuple[tuple[str, str], ...]  # (interface, member name), static members
    timeout: float = 15.0  # member ring timeout (queues.conf ``timeout``)
    retry: float = 1.0
    strategy: str = "rrmemory"
    agi: str | None = None  # Queue()'s AGI argument, run on the caller when a member answers
    # queues.conf monitor-type=MixMonitor (the traces); the hotline records in the dialplan
    monitor: bool = True


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
    rrpos: int = 0  # rrmemory: where the next round starts (app_queue's rrpos and wrapped)
    wrapped: bool = False

    def __post_init__(self) -> None:
        self.members = [Member(i, n, login_time=int(self.created_at)) for i, n in self.config.members]

    @property
    def name(self) -> str:
        return self.config.name

    def member(self, interface: str) -> Member | None:
        return next((m for m in self.members if m.interface.lower() == interface.lower()), None)

    def position(self, entry: Waiting) -> int:
        return self.waiting.index(entry) + 1
