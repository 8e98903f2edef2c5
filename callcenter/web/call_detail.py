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

from callcenter.db.models.calls import Call, CallEvent, CallLeg
from callcenter.web.auth import User

JOURNAL_LIMIT = 500


def may_see(session: Session, user: User, call: Call) -> bool:
    """R17: supervisors see every call; an agent only calls they answered or that rang at them."""
    if user.is_supervisor or call.agent_id == user.id:
        return True
    rang = select(exists().where(CallLeg.call_id == call.id, CallLeg.agent_id == user.id))
    return bool(session.execute(rang).scalar())


@dataclass(frozen=True)
class Moment:
    at: dt.datetime
    offset: float
    what: str
    detail: str = ""


def timeline(call: Call) -> list[Moment]:
    start = call.started_at

    def moment(at: dt.datetime, what: str, detail: str = "") -> Moment:
        return Moment(at, (at - start).total_seconds(), what, detail)

    moments = [moment(call.started_at, "call_started", call.queue or "")]
    if call.queue_entered_at:
        moments.append(moment(call.queue_entered_at, "queued", call.queue or ""))
    for leg in call.legs:
        who = leg.agent_id or leg.agent_interface or leg.channel
        moments.append(moment(leg.started_at, "leg_ringing", who))
        if leg.ended_at:
            moments.append(moment(leg.ended_at, f"leg_{leg.outcome}", f"{who} · {leg.ring_seconds:.1f}s"))
    for hold in call.holds:
        moments.append(moment(hold.started_at, "hold", f"{hold.seconds:.0f}s"))
        moments.append(moment(hold.ended_at, "unhold", ""))
    if call.answered_at:
        moments.append(moment(call.answered_at, "answered", call.greeting or ""))
    moments.append(moment(call.ended_at, "ended", call.hangup_first))
    return sorted(moments, key=lambda m: (m.at, m.what != "call_started"))


def journal(session: Session, call: Call) -> list[CallEvent]:
    stmt = (select(CallEvent).where(CallEvent.linkedid == call.linkedid, CallEvent.server == call.server)
            .order_by(CallEvent.at, CallEvent.id).limit(JOURNAL_LIMIT))
    return list(session.scalars(stmt))


def recording_paths(call: Call, recordings_dir: Path) -> list[Path]:
    """The call's WAV files, only inside the recordings directory (never a path from elsewhere)."""
    root = recordings_dir.resolve()
    out = []
    for line in (call.recordings or "").splitlines():
        if not line.strip():
            continue
        path = Path(line.strip())
        path = (path if path.is_absolute() else root / path).resolve()
        if path.is_relative_to(root):
            out.append(path)
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
    recordings: list[Path]
    transcript: list[dict[str, Any]] | None
    findings: list[Any]
    journal: list[CallEvent] = field(default_factory=list)
