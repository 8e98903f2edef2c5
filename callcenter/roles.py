"""The parts of the service one process runs (issue 16).

``callcenter run`` runs every part in one process (the embedded default). ``--role`` runs some of
them, so that any number of each can run on any machine against one PostgreSQL:

- ``tracker``: the AMI listener, tracker and writer for one Asterisk (``CALLCENTER_PBX_NAME``
  names it: calls are keyed by that name and Linkedid), its FastAGI server, the queueing of
  the transcription jobs of the calls it stores, and the live transcription of its calls (the
  AudioSocket taps are asked of its Asterisk); without CALLCENTER_AMI_HOST, the embedded pbxsim;
- ``web``: the web front end (pages, wallboard, agent desk); the desk's pauses, queue log-ins and
  click to call are asked of the tracker of the agent's PBX (``DeskRequest``, ``agents.relayed``);
- ``worker``: transcription (claims jobs with SKIP LOCKED) and the tickets built from transcripts;
- ``scheduler``: the callbacks (one active scheduler holds an advisory lock, others stand by); it
  asks the tracker of each callback's PBX to place it (``PlaceCallback``): AMI stays with the trackers.

Run apart, the processes share their live messages through PostgreSQL LISTEN/NOTIFY (the relay
component), which SQLite cannot do: such a process refuses SQLite, naming the setting.
"""

from __future__ import annotations

from collections.abc import Sequence

from callcenter.calls.model import (
    AgentRingEnded,
    AgentRinging,
    CallEnded,
    CallQueued,
    CallStarted,
    GreetingDecision,
    HoldChanged,
    OriginateResult,
    SurveyScored,
)
from callcenter.errors import ConfigError
from callcenter.messages import (
    AgentStateChanged,
    CallStored,
    DeskAnswer,
    DeskRequest,
    LiveEmergency,
    LivePrefill,
    LiveSnapshot,
    LiveSnapshotRequest,
    LiveStatus,
    LiveWords,
    MessageLeft,
    PlaceCallback,
    SupervisorAlert,
    TicketChanged,
    TranscriptionQueued,
)
from callcenter.service import COMPONENTS

ROLES = ("tracker", "web", "worker", "scheduler")
RELAY = "callcenter.relay.component:build"
PLACING = "callcenter.callbacks.placing:build"  # a tracker places the scheduler's callbacks
DESK_REQUESTS = "callcenter.agents.phone_requests:build"  # a tracker performs the web desks' actions
EVERY_PROCESS = ("callcenter.observability.component:build",)  # /metrics, /healthz, /readyz

# Each role's components, in the service's start order.
PARTS: dict[str, tuple[str, ...]] = {
    "tracker": ("callcenter.pbxsim.component:build", "callcenter.calls.component:build",
                "callcenter.ivr.component:build", "callcenter.speech.component:build_intake",
                "callcenter.speech.serving:build",
                "callcenter.live.component:build", PLACING, DESK_REQUESTS),
    "worker": ("callcenter.speech.component:build_worker", "callcenter.tickets.component:build"),
    "scheduler": ("callcenter.callbacks.component:build",),
    "web": ("callcenter.agents.component:build", "callcenter.web.component:build"),
}
ORDER = (*COMPONENTS[:3], "callcenter.speech.component:build_intake", "callcenter.speech.serving:build",
         "callcenter.speech.component:build_worker", *COMPONENTS[4:-1], PLACING, DESK_REQUESTS,
         COMPONENTS[-1])

# The messages each role needs from the other processes (what its components subscribe to and
# other roles publish).
_CALL_LIVE: tuple[type, ...] = (CallStarted, CallQueued, AgentRinging, AgentRingEnded, GreetingDecision)
INBOUND: dict[str, tuple[type, ...]] = {
    "tracker": (LiveSnapshotRequest, PlaceCallback, DeskRequest),
    "web": (*_CALL_LIVE, HoldChanged, CallEnded, CallStored, AgentStateChanged, SupervisorAlert,
            TicketChanged, OriginateResult, LiveSnapshot, LiveWords, LiveStatus, LivePrefill, DeskAnswer),
    "worker": (TranscriptionQueued, LiveEmergency, CallStored),
    "scheduler": (*_CALL_LIVE, CallStored, AgentStateChanged, MessageLeft, SurveyScored, OriginateResult,
                  TicketChanged),
}


def all_in_one(roles: Sequence[str]) -> bool:
    return not roles or set(roles) == set(ROLES)


def components_for(roles: Sequence[str]) -> list[str]:
    """The component factories of a process running ``roles`` (none or all: everything, as before)."""
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ConfigError("--role", f"{unknown[0]!r} is not a role; choose from {', '.join(ROLES)}")
    if all_in_one(roles):
        return list(COMPONENTS)
    wanted = {part for role in roles for part in PARTS[role]}
    return [RELAY, *(part for part in ORDER if part in wanted or part in EVERY_PROCESS)]


def inbound_for(roles: Sequence[str]) -> tuple[type, ...]:
    kinds: list[type] = []
    for role in roles:
        kinds += [k for k in INBOUND[role] if k not in kinds]
    return tuple(kinds)


def outbound() -> tuple[type, ...]:
    """Whatever some role needs from elsewhere is sent by whoever publishes it."""
    return inbound_for(ROLES)


def require_postgres(roles: Sequence[str], database_url: str) -> None:
    """Parts run apart share state and live messages through PostgreSQL only."""
    if all_in_one(roles):
        return
    from sqlalchemy.engine import make_url

    if make_url(database_url).get_backend_name() != "postgresql":
        raise ConfigError("CALLCENTER_DATABASE_URL",
                          f"--role {' --role '.join(roles)} runs apart from the other parts and needs "
                          "PostgreSQL (postgresql+psycopg://user:password@host/db); SQLite serves the "
                          "all-in-one `callcenter run` only")
