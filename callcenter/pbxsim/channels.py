"""Channels as Asterisk names and describes them in events (``Channel`` … ``Linkedid``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from callcenter.pbxsim.wire import Headers

DOWN, RING, RINGING, UP = 0, 4, 5, 6
STATE_DESC = {DOWN: "Down", RING: "Ring", RINGING: "Ringing", UP: "Up"}
CAUSE_TEXT = {0: "Unknown", 16: "Normal Clearing", 17: "User busy", 19: "No answer", 21: "Call Rejected"}


@dataclass(frozen=True)
class HangupRequest:
    """Why a channel's application must stop: a hang-up by ``side`` or a redirect."""

    side: str  # "caller" | "agent" | "ami" | "redirect" | "transfer"
    cause: int | None = 0
    target: tuple[str, str, int] | None = None  # (context, exten, priority) for a redirect


@dataclass(eq=False)
class Channel:
    name: str
    uniqueid: str
    linkedid: str
    context: str
    exten: str
    priority: int = 1
    state: int = DOWN
    cid_num: str = "<unknown>"
    cid_name: str = "<unknown>"
    conn_num: str = "<unknown>"
    conn_name: str = "<unknown>"
    created_at: float = 0.0
    application: str = ""  # what CoreShowChannels lists: the dialplan application running
    app_data: str = ""
    answered_at: float | None = None  # its CDR's answer time (first Up)
    variables: dict[str, str] = field(default_factory=dict)
    partner: Channel | None = None  # the other half of a Local pair
    bridge: str | None = None
    bridged_with: Channel | None = None
    hungup: bool = False
    on_hold: bool = False
    role: str = ""  # "member": a leg app_queue or Dial() rang for an agent
    pending: HangupRequest | None = None
    on_hangup: list[Callable[[], None]] = field(default_factory=list)  # run just before its Hangup event
    after_hangup: list[Callable[[], None]] = field(default_factory=list)  # run just after it
    signal: asyncio.Event = field(default_factory=asyncio.Event)

    def request(self, request: HangupRequest) -> None:
        """Ask whatever runs on this channel to stop (first request wins, as a hang-up does)."""
        if self.pending is None and not self.hungup:
            self.pending = request
            self.signal.set()

    def take_request(self) -> HangupRequest | None:
        request, self.pending = self.pending, None
        self.signal.clear()
        return request

    @property
    def state_desc(self) -> str:
        return STATE_DESC[self.state]

    def headers(self, prefix: str = "") -> Headers:
        return [
            (f"{prefix}Channel", self.name),
            (f"{prefix}ChannelState", str(self.state)),
            (f"{prefix}ChannelStateDesc", self.state_desc),
            (f"{prefix}CallerIDNum", self.cid_num),
            (f"{prefix}CallerIDName", self.cid_name),
            (f"{prefix}ConnectedLineNum", self.conn_num),
            (f"{prefix}ConnectedLineName", self.conn_name),
            (f"{prefix}Language", "en"),
            (f"{prefix}AccountCode", ""),
            (f"{prefix}Context", self.context),
            (f"{prefix}Exten", self.exten),
            (f"{prefix}Priority", str(self.priority)),
            (f"{prefix}Uniqueid", self.uniqueid),
            (f"{prefix}Linkedid", self.linkedid),
        ]

    def inherited(self) -> dict[str, str]:
        """Variables a new channel dialled from this one inherits (``__NAME`` prefix)."""
        return {k: v for k, v in self.variables.items() if k.startswith("__")}

    def var(self, name: str) -> str | None:
        return self.variables.get(name, self.variables.get(f"__{name}", self.variables.get(f"_{name}")))


class ChannelIds:
    """Uniqueid (``epoch.sequence``) and the 8-hex channel suffix, counted like Asterisk."""

    def __init__(self, first_sequence: int = 1, systemname: str = "") -> None:
        self._unique = first_sequence
        self._suffix = 1
        # asterisk.conf ``systemname``: Asterisk prefixes its Uniqueids with it, which keeps them
        # apart across servers.
        self._prefix = f"{systemname}-" if systemname else ""

    def uniqueid(self, now: float) -> str:
        value = f"{self._prefix}{int(now)}.{self._unique}"
        self._unique += 1
        return value

    def suffix(self) -> str:
        value = f"{self._suffix:08x}"
        self._suffix += 1
        return value


def next_key(channel: Channel) -> str | None:
    """The next DTMF key the scenario has the caller press (``PBXSIM_DTMF``, consumed in order)."""
    keys = channel.variables.get("PBXSIM_DTMF", "")
    if not keys:
        return None
    channel.variables["PBXSIM_DTMF"] = keys[1:]
    return keys[0]
