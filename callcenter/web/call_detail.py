"""One call as the detail page shows it: timeline, legs, holds, journal, recordings, transcript,
quality findings. Tables of other areas (transcripts, findings) are read only when present."""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import exists, inspect, select
from sqlalchemy.orm import Session

from callcenter.config import Settings
from callcenter.db.models.calls import Call, CallEvent, CallLeg
from callcenter.web.auth import User
from callcenter.web.recording_source import call_sources, remote_exists

JOURNAL_LIMIT = 500


def may_see(session: Session, user: User, call: Call) -> bool:
    """R17: supervisors see every call; an agent only calls they answered or that rang at them."""
    if user.is_supervisor or call.agent_id == user.id:
        return True
    rang = select(exists().where(CallLeg.call_id == call.id, CallLeg.agent_id == user.id))
    return bool(session.execute(rang).scalar())


@dataclass(frozen=True)
class Moment:
    """One step of the call; the page words it (``moment.<what>``, the agent's name, the
    department, enums), the API gives ``detail`` as plain values."""

    at: dt.datetime
    offset: float
    what: str
    queue: str | None = None
    agent: str | None = None  # agent id, or the interface/channel when no agent is known
    agent_id: str | None = None
    seconds: float | None = None
    kind: str | None = None  # the enum ``value`` belongs to: greeting, hangup_first
    value: str | None = None

    @property
    def detail(self) -> str:
        parts = [p for p in (self.queue, self.agent, self.value) if p]
        if self.seconds is not None:
            parts.append(f"{self.seconds:.1f}s")
        return " · ".join(parts)


def timeline(call: Call) -> list[Moment]:
    start = call.started_at

    def moment(at: dt.datetime, what: str, **detail: Any) -> Moment:
        return Moment(at, (at - start).total_seconds(), what, **detail)

    moments = [moment(call.started_at, "call_started", queue=call.queue)]
    if call.queue_entered_at:
        moments.append(moment(call.queue_entered_at, "queued", queue=call.queue))
    for leg in call.legs:
        who = {"agent": leg.agent_id or leg.agent_interface or leg.channel, "agent_id": leg.agent_id}
        moments.append(moment(leg.started_at, "leg_ringing", **who))
        if leg.ended_at:
            moments.append(moment(leg.ended_at, f"leg_{leg.outcome}", seconds=leg.ring_seconds, **who))
    for hold in call.holds:
        moments.append(moment(hold.started_at, "hold", seconds=hold.seconds))
        moments.append(moment(hold.ended_at, "unhold"))
    if call.answered_at:
        moments.append(moment(call.answered_at, "answered", kind="greeting", value=call.greeting))
    moments.append(moment(call.ended_at, "ended", kind="hangup_first", value=call.hangup_first))
    return sorted(moments, key=lambda m: (m.at, m.what != "call_started"))


def journal(session: Session, call: Call) -> list[CallEvent]:
    stmt = (select(CallEvent).where(CallEvent.linkedid == call.linkedid, CallEvent.server == call.server)
            .order_by(CallEvent.at, CallEvent.id).limit(JOURNAL_LIMIT))
    return list(session.scalars(stmt))


WRITE_GRACE = dt.timedelta(minutes=2)  # the PBX closes a recording's files this long after hang-up at most


@dataclass(frozen=True)
class Recording:
    index: int
    name: str
    side: str  # mixed | caller | agent (MixMonitor's r() and t() files, C3)
    state: str  # ready | writing | missing


def _complete_wav(path: Path) -> bool:
    """A WAV file whose RIFF header already counts the whole file: the writer has closed it
    (Asterisk and pbxsim write the sizes when the file is finished)."""
    try:
        with path.open("rb") as f:
            head = f.read(8)
        size = path.stat().st_size
    except OSError:
        return False
    return len(head) == 8 and head[:4] == b"RIFF" and int.from_bytes(head[4:], "little") + 8 == size


def recordings(call: Call, settings: Settings, now: dt.datetime) -> list[Recording]:
    """The call's recordings and whether each can be played: a file not there (yet) or still
    open shortly after the hang-up is being written; later, a file not there is missing. A call
    another node recorded is asked of that node (web/recording_source.py)."""
    recent = now - call.ended_at < WRITE_GRACE
    out = []
    for index, source in enumerate(call_sources(call, settings)):
        side = ("caller" if source.name.endswith("-caller.wav") else
                "agent" if source.name.endswith("-agent.wav") else "mixed")
        if source.path is not None:
            finished = source.path.is_file() and _complete_wav(source.path)
        else:
            finished = bool(remote_exists(source, settings))
        state = "ready" if finished else "writing" if recent else "missing"
        out.append(Recording(index, source.name, side, state))
    return out


def _optional_model(module: str, name: str, session: Session) -> Any | None:
    try:
        model = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None
    bind = session.get_bind()
    return model if inspect(bind).has_table(model.__tablename__) else None


def transcript_turns(session: Session, call_id: int) -> list[dict[str, Any]] | None:
    model = _optional_model("callcenter.db.models.speech", "Transcript", session)
    if model is None:
        return None
    latest = select(model).where(model.call_id == call_id).order_by(model.id.desc()).limit(1)
    row = session.scalars(latest).first()
    return None if row is None else list(row.turns or [])


def quality_findings(session: Session, call_id: int) -> list[Any]:
    model = _optional_model("callcenter.db.models.tickets", "QualityFinding", session)
    if model is None:
        return []
    return list(session.scalars(select(model).where(model.call_id == call_id).order_by(model.id)))


@dataclass
class CallView:
    call: Call
    caller: str | None
    timeline: list[Moment]
    recordings: list[Recording]
    transcript: list[dict[str, Any]] | None
    findings: list[Any]
    journal: list[CallEvent] = field(default_factory=list)
