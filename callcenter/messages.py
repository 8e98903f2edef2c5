"""Bus messages that cross areas (besides the tracker's own, in ``callcenter.calls.model``).

Who publishes each one is named in its docstring; anyone may subscribe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from callcenter.calls.model import CallRecord, LiveCall
from callcenter.store.health import HealthView


@dataclass(frozen=True)
class CallStored:
    """Published by the tracker's writer once a finished call is committed (``calls.id``)."""

    call_id: int
    record: CallRecord


@dataclass(frozen=True)
class PlaceCallback:
    """Sent by the active scheduler run apart from the trackers (issue 16): the tracker of PBX
    ``pbx`` places attempt ``attempt`` of callback ``callback_id`` (ringing ``channel``, then
    ``number``) and Asterisk's OriginateResult comes back as for any Originate. The tracker checks
    every field as it would any input and places one attempt at most once (``callbacks.placing``)."""

    pbx: str
    callback_id: int
    attempt: int
    channel: str
    number: str
    reason: str


@dataclass(frozen=True)
class StoreHealthChanged:
    """Published by the calls component when the store's health changes: records waiting in the
    spool, the database reachable or not (issue 11: nothing pretends to be fine)."""

    health: HealthView


@dataclass(frozen=True)
class AgentStateChanged:
    """Published by the tracker from QueueMemberStatus/QueueMemberPause/DeviceStateChange."""

    interface: str
    agent_id: str | None
    state: Literal["available", "ringing", "talking", "listening", "paused", "logged_out", "unavailable"]
    paused: bool
    reason: str | None
    queue: str | None
    at: float
    pbx: str = ""  # the PBX whose tracker saw it (CALLCENTER_PBX_NAME): where the phone is


@dataclass(frozen=True)
class DeskRequest:
    """Sent by a web front end run apart from the trackers (issue 16): the tracker of PBX ``pbx``
    performs one of the desk's own actions on its Asterisk and answers with ``DeskAnswer``.
    ``kind`` is ``pause`` (``paused``, ``reason``, ``queue``), ``queue_add``, ``queue_remove``
    (``queue``) or ``originate`` (click to call: ``number``, ``ticket_id``, ``action_id``), always for
    the hotline agent whose phone is ``interface``; or ``listen_in`` (the supervisor whose phone is
    ``interface`` joins call ``linkedid`` in ``mode``), with ``pbx`` empty: whichever tracker follows
    that call does it, the others answer ``not_found``; or ``queue_status`` (no other field, no
    PBX): every tracker answers with its Asterisk's queue members who are hotline agents. The
    tracker checks every field (``agents.phone_requests``) and builds the AMI action itself."""

    pbx: str
    request_id: str
    kind: str
    interface: str
    paused: bool = False
    reason: str | None = None
    queue: str | None = None
    number: str | None = None
    ticket_id: int | None = None
    action_id: str | None = None
    linkedid: str | None = None
    mode: str | None = None


@dataclass(frozen=True)
class DeskAnswer:
    """A tracker's answer to a ``DeskRequest``: done, or why not. ``failure`` is ``refused``
    (Asterisk or the desk's rules said no: ``message`` says why, ``status`` is the desk's HTTP
    status for it), ``unavailable`` (its Asterisk is not connected), ``invalid`` (the request was
    refused before reaching Asterisk) or ``not_found`` (this tracker follows no such call).
    ``listening`` is what a listen-in started (``agents.listen_in.ListenIn`` as its fields),
    ``members`` the QueueMember events a ``queue_status`` found (their ``MEMBER_FIELDS`` only)."""

    request_id: str
    pbx: str
    ok: bool
    failure: str | None = None
    message: str = ""
    status: int = 0
    listening: dict[str, str | None] | None = None
    members: list[dict[str, str]] | None = None


@dataclass(frozen=True)
class MessageLeft:
    """A caller left a message after hours (R18) or after a failed transfer (R12). Published once
    the message is stored (``message_id``: its ``left_messages`` row, see ``store.messages``); the
    callbacks area schedules the call back and marks the row decided in the same commit."""

    linkedid: str
    caller: str | None
    reason: Literal["after_hours", "transfer_failed"]
    department: str | None
    agent_id: str | None
    recording: str | None
    at: float
    server: str = "pbx"
    message_id: int | None = None


@dataclass(frozen=True)
class TranscriptReady:
    """Published by the transcription worker when a call's transcript is stored."""

    call_id: int
    transcript_id: int


@dataclass(frozen=True)
class TicketChanged:
    """Published by the tickets area on every change of a ticket."""

    ticket_id: int
    change: Literal["created", "attached", "merged", "updated", "done", "closed"]
    category: str
    urgent: bool
    caller: str | None
    owner: str | None
    at: float


@dataclass(frozen=True)
class SupervisorAlert:
    """Something a supervisor must see now: an emergency (R19), an overdue or escalated
    callback (R6-R9), an overdue complaint reply (R7); while a call is up, an emergency named or
    a forbidden phrase said (R19, R16: ``live_*``, with the call and the words heard)."""

    kind: Literal["emergency", "callback_overdue", "callback_escalated", "complaint_overdue",
                  "live_emergency", "live_forbidden"]
    text: str
    ticket_id: int | None
    callback_id: int | None
    at: float
    linkedid: str | None = None
    words: str | None = None
    agent_id: str | None = None


@dataclass(frozen=True)
class TranscriptionQueued:
    """Published by the process that stored a call when it queued the call's transcription job;
    transcription workers elsewhere wake for it instead of waiting for their next poll."""

    call_id: int


@dataclass(frozen=True)
class LiveSnapshotRequest:
    """Sent across processes by a web front end whose relay (re)connected: every tracker answers
    with a ``LiveSnapshot`` of the calls it has in progress (snapshot, then updates)."""

    requested_by: str


@dataclass(frozen=True)
class LiveSnapshot:
    """A tracker's calls in progress, for the wallboards of other processes."""

    server: str
    calls: tuple[LiveCall, ...]


@dataclass(frozen=True)
class RelayReconnected:
    """Published locally when the cross-process relay is connected again after a loss: what came
    over it may have gaps, so the wallboard starts afresh from the trackers' snapshots."""

    at: float


@dataclass(frozen=True)
class LiveWords:
    """Published by live transcription while a call is up: one side's words of its current
    utterance so far (``final`` False: the next one replaces it) or of an utterance it closed.
    ``start``/``end``: seconds from that side's first audio."""

    linkedid: str
    agent_id: str | None
    side: Literal["caller", "agent"]
    text: str
    final: bool
    start: float | None
    end: float | None
    at: float


@dataclass(frozen=True)
class LiveStatus:
    """Published by live transcription when a call is (or cannot be) transcribed live:
    ``after_call`` says why its words come only after hang-up (pool full, no model, tap refused)."""

    linkedid: str
    agent_id: str | None
    state: Literal["live", "after_call"]
    reason: str | None
    at: float


@dataclass(frozen=True)
class LivePrefill:
    """Published by live transcription: the ticket fields the call's words give so far (phone,
    address, caller_name, category), for the agent to confirm (R4)."""

    linkedid: str
    agent_id: str | None
    fields: dict[str, str]
    at: float


@dataclass(frozen=True)
class LiveEmergency:
    """Published by live transcription when the caller names an emergency (R19): the tickets
    area opens the urgent ticket now, and joins the call to it once the call is stored."""

    linkedid: str
    caller: str | None
    agent_id: str | None
    danger: str
    words: str
    at: float
    server: str = "pbx"  # CALLCENTER_PBX_NAME: with the Linkedid, the key the ticket is opened under
