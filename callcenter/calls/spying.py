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
from dataclasses import dataclass
from typing import Literal

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


def is_phone_channel(channel: str) -> bool:
    return _PHONE_CHANNEL.fullmatch(channel) is not None


@dataclass(frozen=True)
class AgentLine:
    """The agent's side of a call in conversation: the live channel of their phone."""

    linkedid: str
    channel: str  # PJSIP/8101-0000002a
    interface: str  # PJSIP/8101
