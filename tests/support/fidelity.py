"""How pbxsim's AMI stream is held to the recorded traces.

A stream is cut into bursts: events whose Timestamps are less than ``BURST_GAP`` apart (Asterisk
sends a call's state changes in bursts of a few hundred microseconds; the gaps between bursts are
the rings, prompts and talk). Within a burst the order is not compared, only the multiset: the
traces themselves show Asterisk's threads ordering one burst differently from call to call (e.g.
``OriginateResponse`` before or after ``Newstate Up``; ``AgentComplete`` before or after
``BridgeLeave``). Each event is reduced to its name and key headers, with identifiers
(channel suffixes, Uniqueids, bridge ids) and times left out.

Left out of the comparison, by name: ``VarSet``, ``Newexten``, ``NewConnectedLine`` (dialplan
bookkeeping that says nothing about the call's state and that the service ignores),
``DeviceStateChange`` (device hints whose number per burst depends on Asterisk's device-state
cache timing), ``RTCPSent`` (media reports of real SIP channels; pbxsim carries no media).
"""

from __future__ import annotations

import re
from collections import Counter

from callcenter.pbxsim.wire import Headers, split_messages

IGNORED = frozenset({"VarSet", "Newexten", "NewConnectedLine", "DeviceStateChange", "RTCPSent"})
KEY_HEADERS = ("ChannelStateDesc", "Context", "Exten", "DialStatus", "Cause", "Queue", "Interface",
               "MemberName", "Reason", "Position", "Count", "OriginalPosition", "Class", "Response",
               "Message", "Severity", "Application")
BURST_GAP = 0.25
_SUFFIX = re.compile(r"-[0-9a-f]{8}(;[12])?$")

Key = tuple[tuple[str, str], ...]


def channel_shape(name: str) -> str:
    return _SUFFIX.sub(lambda m: "-N" + (m.group(1) or ""), name)


def event_key(message: Headers) -> Key:
    headers = dict(reversed(message))  # first occurrence wins
    key: list[tuple[str, str]] = [("Event", headers.get("Event", ""))]
    for name in ("Channel", "DestChannel"):
        if name in headers:
            key.append((name, channel_shape(headers[name])))
    key += [(name, headers[name]) for name in KEY_HEADERS if name in headers]
    if headers.get("Event") == "QueueMemberStatus":
        key.append(("Status", headers.get("Status", "")))
    if headers.get("Event") in ("AgentConnect",):
        key.append(("RingTime", headers.get("RingTime", "")))
    return tuple(key)


def messages(stream: bytes) -> list[Headers]:
    _banner, _, rest = stream.partition(b"\r\n")
    return split_messages(bytearray(rest))


def bursts(stream: bytes) -> list[Counter[Key]]:
    out: list[Counter[Key]] = []
    last: float | None = None
    for message in messages(stream):
        headers = dict(message)
        if headers.get("Event") in IGNORED:
            continue
        stamp = headers.get("Timestamp")
        when = float(stamp) if stamp else None
        if when is None or last is None or when - last > BURST_GAP:
            out.append(Counter())
        out[-1][event_key(message)] += 1
        last = when
    return out


def differences(expected: bytes, actual: bytes) -> list[str]:
    """Human-readable differences burst by burst (empty when the streams match)."""
    want, got = bursts(expected), bursts(actual)
    problems = []
    for index in range(max(len(want), len(got))):
        a = want[index] if index < len(want) else Counter()
        b = got[index] if index < len(got) else Counter()
        if a != b:
            missing = [dict(k) for k in (a - b).elements()]
            extra = [dict(k) for k in (b - a).elements()]
            problems.append(f"burst {index}: missing {missing} extra {extra}")
    return problems
