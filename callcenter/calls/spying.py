"""Listening in: the dialplan names of a supervisor's spy session and the agent channel it may spy on.

A supervisor's phone is rung through ``Local/<ext>@SPY_PHONE_CONTEXT``; when it answers, the
Originate continues in ``SPY_CONTEXT`` at ``listen``, ``whisper`` or ``barge``, where ChanSpy runs
on the channel named by ``SPY_CHANNEL_VARIABLE``. ``callcenter dialplan render`` writes both
contexts. The Local channel's name gives the session away at its very first event, so the tracker
never takes it for a call (nothing on the wallboard, no call record): the session is written to
the web audit instead, by whoever started it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from callcenter.ami import events as ev

SPY_PHONE_CONTEXT = "callcenter-spy-phone"
SPY_CONTEXT = "callcenter-spy"
SPY_CHANNEL_VARIABLE = "CC_SPY_CHANNEL"
SpyMode = Literal["listen", "whisper", "barge"]
SPY_MODES: tuple[SpyMode, ...] = ("listen", "whisper", "barge")
# ChanSpy's options per mode: q no beep or channel name, d DTMF 4/5/6 switch modes, E end with the
# spied-on channel, S end when nothing is left to spy on; w whisper to the agent, B barge (both).
CHANSPY_OPTIONS: dict[SpyMode, str] = {"listen": "qdES", "whisper": "qdESw", "barge": "qdESB"}
# A hotline phone's channel as Asterisk names it: a user can never put anything else in the Originate.
_PHONE_CHANNEL = re.compile(r"PJSIP/[0-9]{2,8}-[0-9a-f]{8}")


def is_spy_channel(channel: str) -> bool:
    """Whether a channel belongs to a spy session (the Local pair that rings the supervisor)."""
    return channel.startswith("Local/") and f"@{SPY_PHONE_CONTEXT}-" in channel


def spy_phone_of(channel: str) -> str | None:
    """``Local/8900@callcenter-spy-phone-0000000a;1`` → ``8900``: the supervisor's extension rung."""
    return channel[len("Local/"):].partition("@")[0] if is_spy_channel(channel) else None


def is_phone_channel(channel: str) -> bool:
    return _PHONE_CHANNEL.fullmatch(channel) is not None


@dataclass(frozen=True)
class AgentLine:
    """The agent's side of a call in conversation: the live channel of their phone."""

    linkedid: str
    channel: str  # PJSIP/8101-0000002a
    interface: str  # PJSIP/8101


class SpySessions:
    """The spy sessions the tracker leaves out of its calls: each one's live channels (it is over
    when the last hangs up, then ``forget`` makes its late events late ones) and the phone it rings."""

    def __init__(self, forget: Callable[[str], None]) -> None:
        self._channels: dict[str, set[str]] = {}  # Linkedid → live Uniqueids
        self._phones: dict[str, str] = {}  # Linkedid → the supervisor's extension
        self._forget = forget

    def take(self, linkedid: str, event: ev.AmiEvent) -> bool:
        """True when the event belongs to a spy session (known, or starting with this event)."""
        channels = self._channels.get(linkedid)
        if channels is None:
            if not (isinstance(event, ev.Newchannel) and event.uniqueid == linkedid
                    and is_spy_channel(event.channel)):
                return False
            channels = self._channels[linkedid] = set()
            self._phones[linkedid] = spy_phone_of(event.channel) or ""
        if isinstance(event, ev.Newchannel):
            channels.add(event.uniqueid)
        elif isinstance(event, ev.Hangup):
            channels.discard(event.uniqueid)
            if not channels:
                self._end(linkedid)
        return True

    def resync(self, by_call: dict[str, list[ev.ChannelSnapshot]]) -> None:
        """Takes the spy sessions out of a reconnect's snapshot; those it no longer lists are over."""
        for linkedid in [i for i in self._channels if i not in by_call]:
            self._end(linkedid)
        for linkedid, channels in list(by_call.items()):
            phone = next((p for c in channels if (p := spy_phone_of(c.channel)) is not None), None)
            if linkedid in self._channels or phone is not None:
                self._channels[linkedid] = {c.uniqueid for c in channels}
                self._phones[linkedid] = phone or self._phones.get(linkedid, "")
                del by_call[linkedid]

    def is_listening_in(self, extension: str) -> bool:
        return extension in self._phones.values()

    def _end(self, linkedid: str) -> None:
        self._channels.pop(linkedid, None)
        self._phones.pop(linkedid, None)
        self._forget(linkedid)
