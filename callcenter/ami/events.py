"""Raw AMI messages → typed, frozen events: only the ones the call tracker needs.

Everything else (VarSet, RTCPSent, LocalBridge, …) becomes None here and is ignored; an event
whose required headers are missing (a truncated frame) is logged at debug and ignored too.
Times come from the ``Timestamp`` header (manager.conf ``timestampevents=yes``); without it,
from the arrival time the caller passes in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AmiEvent:
    name: str
    at: float


@dataclass(frozen=True, slots=True)
class ChannelEvent(AmiEvent):
    """The channel snapshot headers nearly every call event carries."""

    channel: str
    uniqueid: str
    linkedid: str
    caller_num: str | None
    state_desc: str | None
    context: str | None
    exten: str | None


@dataclass(frozen=True, slots=True)
class Newchannel(ChannelEvent): ...


@dataclass(frozen=True, slots=True)
class CallerIdChanged(ChannelEvent): ...  # NewCallerid


@dataclass(frozen=True, slots=True)
class Newstate(ChannelEvent): ...


@dataclass(frozen=True, slots=True)
class Newexten(ChannelEvent):
    application: str | None
    app_data: str | None


@dataclass(frozen=True, slots=True)
class RecordingStarted(ChannelEvent):
    """``VarSet MIXMONITOR_FILENAME``: where MixMonitor writes the call's mixed recording."""

    path: str


@dataclass(frozen=True, slots=True)
class Hangup(ChannelEvent):
    cause: int


@dataclass(frozen=True, slots=True)
class HangupRequest(ChannelEvent):
    cause: int | None
    soft: bool  # SoftHangupRequest


@dataclass(frozen=True, slots=True)
class DialBegin(AmiEvent):
    """``channel`` is None for an Originate's own dial (no calling channel)."""

    channel: str | None
    uniqueid: str | None
    linkedid: str
    dest_channel: str
    dest_uniqueid: str | None


@dataclass(frozen=True, slots=True)
class DialState(DialBegin):
    status: str


@dataclass(frozen=True, slots=True)
class DialEnd(DialBegin):
    status: str


@dataclass(frozen=True, slots=True)
class QueueCallerJoin(ChannelEvent):
    queue: str
    position: int


@dataclass(frozen=True, slots=True)
class QueueCallerLeave(ChannelEvent):
    queue: str


@dataclass(frozen=True, slots=True)
class QueueCallerAbandon(ChannelEvent):
    queue: str


@dataclass(frozen=True, slots=True)
class AgentEvent(ChannelEvent):
    """AgentCalled/AgentConnect/AgentRingNoAnswer/AgentComplete: the caller is ``channel``."""

    queue: str
    interface: str | None
    member_name: str | None
    dest_channel: str | None
    ring_time: float | None  # seconds (AgentRingNoAnswer's milliseconds converted)
    reason: str | None  # AgentComplete: caller | agent | transfer
    hold_time: float | None = None  # AgentConnect/AgentComplete: whole seconds in the queue until answered
    talk_time: float | None = None  # AgentComplete: whole seconds from the answer to the end


@dataclass(frozen=True, slots=True)
class BridgeEnter(ChannelEvent):
    bridge_id: str | None


@dataclass(frozen=True, slots=True)
class BridgeLeave(ChannelEvent):
    bridge_id: str | None


@dataclass(frozen=True, slots=True)
class Hold(ChannelEvent):
    on_hold: bool  # Hold / Unhold (R11)


@dataclass(frozen=True, slots=True)
class BlindTransfer(AmiEvent):
    linkedid: str
    transferer_channel: str | None
    context: str | None
    extension: str | None


@dataclass(frozen=True, slots=True)
class MemberState(AmiEvent):
    """QueueMemberStatus / QueueMemberPause / QueueMember (QueueStatus list item)."""

    queue: str | None
    interface: str
    member_name: str | None
    status: int | None  # app_queue device status: 1 not in use, 2 in use, 5 unavailable, 6 ringing…
    paused: bool
    reason: str | None


@dataclass(frozen=True, slots=True)
class QueueEntry(AmiEvent):
    """QueueStatus list item: a caller waiting in a queue, ``wait`` whole seconds so far."""

    queue: str
    uniqueid: str
    channel: str
    wait: float


@dataclass(frozen=True, slots=True)
class DeviceState(AmiEvent):
    device: str
    state: str


@dataclass(frozen=True, slots=True)
class OriginateResponse(AmiEvent):
    action_id: str
    success: bool
    reason: str
    channel: str | None
    uniqueid: str | None


@dataclass(frozen=True, slots=True)
class SurveyAnswered(ChannelEvent):
    """``UserEvent: CallcenterSurvey`` from [callcenter-survey] (R21): the keypad score as keyed
    (empty when the customer keyed nothing), for the callback named by ``CallbackID``."""

    callback_id: str
    score: str


@dataclass(frozen=True, slots=True)
class ChannelSnapshot(ChannelEvent):
    """CoreShowChannel: one live channel in a resync snapshot."""

    application: str | None
    application_data: str | None
    duration_s: float
    bridge_id: str | None
    # The channel's own CDR (``CDR(start,u)``/``CDR(answer,u)``, asked for agent legs at a resync):
    # when it was created and answered, to the microsecond. None when Asterisk did not say.
    created_at: float | None = None
    answered_at: float | None = None


# A Timestamp outside these bounds (1e308, negative, NaN, a clock years off) is no time of
# any call: the arrival time stands in and the reader is told (``timestamp_refused``).
EARLIEST_STAMP = 946684800.0  # 2000-01-01
LATEST_STAMP = 4102444800.0  # 2100-01-01


def _stamp(headers: dict[str, str]) -> float | None:
    try:
        value = float(headers.get("Timestamp") or "")
    except ValueError:
        return None
    return value if EARLIEST_STAMP <= value <= LATEST_STAMP else None  # also False for NaN


def timestamp_refused(headers: dict[str, str]) -> bool:
    """The message has a Timestamp header, but not a usable one."""
    return bool(headers.get("Timestamp")) and _stamp(headers) is None


def event_time(headers: dict[str, str], arrival: float) -> float:
    stamp = _stamp(headers)
    return arrival if stamp is None else stamp


def parse_event(headers: dict[str, str], arrival: float) -> AmiEvent | None:
    """The typed event for these headers, or None for events the tracker does not use."""
    name = headers.get("Event")
    builder = _BUILDERS.get(name) if name else None
    if builder is None:
        return None
    try:
        return builder(name, headers, event_time(headers, arrival))  # type: ignore[arg-type]
    except (KeyError, ValueError) as exc:
        log.debug("AMI: ignoring malformed %s (%s missing or bad): %r", name, exc, headers)
        return None


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _channel_fields(h: dict[str, str]) -> tuple[str, str, str, str | None, str | None, str | None,
                                                str | None]:
    num = h.get("CallerIDNum")
    return (h["Channel"], h["Uniqueid"], h["Linkedid"], None if num in (None, "", "<unknown>") else num,
            h.get("ChannelStateDesc"), h.get("Context"), h.get("Exten"))


def _plain(cls: type[ChannelEvent]) -> Callable[[str, dict[str, str], float], AmiEvent]:
    return lambda name, h, at: cls(name, at, *_channel_fields(h))


def _hangup(name: str, h: dict[str, str], at: float) -> AmiEvent:
    return Hangup(name, at, *_channel_fields(h), int(h.get("Cause") or 0))


def _hangup_request(name: str, h: dict[str, str], at: float) -> AmiEvent:
    return HangupRequest(name, at, *_channel_fields(h), _int_or_none(h.get("Cause")),
                         name == "SoftHangupRequest")


def _newexten(name: str, h: dict[str, str], at: float) -> AmiEvent:
    return Newexten(name, at, *_channel_fields(h), h.get("Application"), h.get("AppData"))


def _varset(name: str, h: dict[str, str], at: float) -> AmiEvent | None:
    """Of the many VarSets (most of the stream) only the recording's file name matters."""
    if h.get("Variable") != "MIXMONITOR_FILENAME" or not h.get("Value"):
        return None
    return RecordingStarted(name, at, *_channel_fields(h), h["Value"])


def _dial(name: str, h: dict[str, str], at: float) -> AmiEvent:
    base = (name, at, h.get("Channel"), h.get("Uniqueid"), h.get("DestLinkedid") or h["Linkedid"],
            h["DestChannel"], h.get("DestUniqueid"))
    if name == "DialBegin":
        return DialBegin(*base)
    cls = DialState if name == "DialState" else DialEnd
    return cls(*base, h["DialStatus"])


def _queue_join(name: str, h: dict[str, str], at: float) -> AmiEvent:
    return QueueCallerJoin(name, at, *_channel_fields(h), h["Queue"], _int_or_none(h.get("Position")) or 0)


def _queue_leave(name: str, h: dict[str, str], at: float) -> AmiEvent:
    cls = QueueCallerLeave if name == "QueueCallerLeave" else QueueCallerAbandon
    return cls(name, at, *_channel_fields(h), h["Queue"])


def _agent(name: str, h: dict[str, str], at: float) -> AmiEvent:
    ring = h.get("RingTime")
    ring_s = None if not ring else float(ring) / (1000.0 if name == "AgentRingNoAnswer" else 1.0)
    return AgentEvent(name, at, *_channel_fields(h), h["Queue"], h.get("Interface"), h.get("MemberName"),
                      h.get("DestChannel"), ring_s, h.get("Reason"), _float_or_none(h.get("HoldTime")),
                      _float_or_none(h.get("TalkTime")))


def _float_or_none(value: str | None) -> float | None:
    try:
        seconds = float(value) if value else None
    except ValueError:
        return None
    return seconds if seconds is not None and 0.0 <= seconds < 1e9 else None


def _bridge(name: str, h: dict[str, str], at: float) -> AmiEvent:
    cls = BridgeEnter if name == "BridgeEnter" else BridgeLeave
    return cls(name, at, *_channel_fields(h), h.get("BridgeUniqueid"))


def _hold(name: str, h: dict[str, str], at: float) -> AmiEvent:
    return Hold(name, at, *_channel_fields(h), name == "Hold")


def _blind_transfer(name: str, h: dict[str, str], at: float) -> AmiEvent:
    linkedid = h.get("TransfereeLinkedid") or h["TransfererLinkedid"]
    return BlindTransfer(name, at, linkedid, h.get("TransfererChannel"), h.get("Context"), h.get("Extension"))


def _member(name: str, h: dict[str, str], at: float) -> AmiEvent:
    interface = h.get("Interface") or h.get("Location") or h["StateInterface"]
    return MemberState(name, at, h.get("Queue"), interface, h.get("MemberName") or h.get("Name"),
                       _int_or_none(h.get("Status")), h.get("Paused") == "1",
                       h.get("PausedReason") or h.get("Reason") or None)


def _device(name: str, h: dict[str, str], at: float) -> AmiEvent:
    return DeviceState(name, at, h["Device"], h["State"])


def _originate(name: str, h: dict[str, str], at: float) -> AmiEvent:
    return OriginateResponse(name, at, h.get("ActionID", ""), h.get("Response") == "Success",
                             h.get("Reason", ""), h.get("Channel"), h.get("Uniqueid"))


def _user_event(name: str, h: dict[str, str], at: float) -> AmiEvent | None:
    """Of the UserEvents any dialplan may send, only the survey's is ours."""
    if h.get("UserEvent") != "CallcenterSurvey":
        return None
    return SurveyAnswered(name, at, *_channel_fields(h), h.get("CallbackID", "").strip(),
                          h.get("Score", "").strip())


def _snapshot(name: str, h: dict[str, str], at: float) -> AmiEvent:
    return ChannelSnapshot(name, at, *_channel_fields(h), h.get("Application"),
                           h.get("ApplicationData"), _duration(h.get("Duration")), h.get("BridgeId") or None,
                           _cdr_time(h.get(CDR_START)), _cdr_time(h.get(CDR_ANSWER)))


# Keys the listener adds to a CoreShowChannel item with the answers of its Getvar CDR(…,u).
CDR_START, CDR_ANSWER = "CDR(start,u)", "CDR(answer,u)"


def _cdr_time(value: str | None) -> float | None:
    """``CDR(x,u)``: ``<epoch>.<microseconds>``; ``0.000000`` (not answered) and nonsense are None."""
    try:
        seconds = float(value) if value else None
    except ValueError:
        return None
    return seconds if seconds is not None and 1e8 < seconds < 1e11 else None


def _duration(text: str | None) -> float:
    """CoreShowChannel's ``Duration: HH:MM:SS``."""
    if not text:
        return 0.0
    seconds = 0.0
    for part in text.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


_BUILDERS: dict[str, Callable[[str, dict[str, str], float], AmiEvent | None]] = {
    "Newchannel": _plain(Newchannel),
    "NewCallerid": _plain(CallerIdChanged),
    "Newstate": _plain(Newstate),
    "Newexten": _newexten,
    "VarSet": _varset,
    "Hangup": _hangup,
    "HangupRequest": _hangup_request,
    "SoftHangupRequest": _hangup_request,
    "DialBegin": _dial,
    "DialState": _dial,
    "DialEnd": _dial,
    "QueueCallerJoin": _queue_join,
    "QueueCallerLeave": _queue_leave,
    "QueueCallerAbandon": _queue_leave,
    "AgentCalled": _agent,
    "AgentConnect": _agent,
    "AgentRingNoAnswer": _agent,
    "AgentComplete": _agent,
    "BridgeEnter": _bridge,
    "BridgeLeave": _bridge,
    "Hold": _hold,
    "Unhold": _hold,
    "BlindTransfer": _blind_transfer,
    "QueueMemberStatus": _member,
    "QueueMemberPause": _member,
    "QueueMember": _member,
    "QueueEntry": lambda name, h, at: QueueEntry(name, at, h["Queue"], h["Uniqueid"], h["Channel"],
                                                 _float_or_none(h.get("Wait")) or 0.0),
    "DeviceStateChange": _device,
    "OriginateResponse": _originate,
    "UserEvent": _user_event,
    "CoreShowChannel": _snapshot,
}
