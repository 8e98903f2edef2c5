"""R20: supervisors sample each agent's calls every day.

The sample is seeded by the day and the agent, so everyone sees the same calls for a day, and
it cannot be steered by choosing which calls to look at. Marks of reviewed calls are kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.db.base import utcnow
from callcenter.db.models.calls import Call
from callcenter.db.models.web import SpotCheckMark
from callcenter.reports.period import Period

SAMPLE_PER_AGENT = 3


def sample_seed(day: dt.date, agent_id: str) -> int:
    digest = hashlib.sha256(f"spot-check:{day.isoformat()}:{agent_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


@dataclass(frozen=True)
class SampledCall:
    call: Call
    mark: SpotCheckMark | None


def daily_sample(session: Session, day: dt.date, timezone: str, per_agent: int = SAMPLE_PER_AGENT,
                 agent_id: str | None = None) -> dict[str, list[SampledCall]]:
    """{agent: up to ``per_agent`` of the answered calls they took that local day}."""
    period = Period(day, day, timezone)
    stmt = select(Call.id, Call.agent_id).where(
        Call.direction == "inbound", Call.answered.is_(True), Call.agent_id.is_not(None),
        Call.started_at >= period.start, Call.started_at < period.end).order_by(Call.id)
    if agent_id is not None:
        stmt = stmt.where(Call.agent_id == agent_id)
    by_agent: dict[str, list[int]] = defaultdict(list)
    for call_id, agent in session.execute(stmt):
        by_agent[agent].append(call_id)
    chosen = {agent: sorted(random.Random(sample_seed(day, agent)).sample(ids, min(per_agent, len(ids))))
              for agent, ids in by_agent.items()}
    all_ids = [i for ids in chosen.values() for i in ids]
    calls = {c.id: c for c in session.scalars(select(Call).where(Call.id.in_(all_ids)))} if all_ids else {}
    marked = select(SpotCheckMark).where(SpotCheckMark.call_id.in_(all_ids))
    marks = {m.call_id: m for m in session.scalars(marked)} if all_ids else {}
    return {agent: [SampledCall(calls[i], marks.get(i)) for i in ids] for agent,
            ids in sorted(chosen.items())}


def mark_reviewed(session: Session, call: Call, day: dt.date, reviewer: str, note: str = "") -> SpotCheckMark:
    mark = session.scalars(select(SpotCheckMark).where(SpotCheckMark.call_id == call.id)).first()
    if mark is None:
        mark = SpotCheckMark(call_id=call.id, day=day.isoformat(), agent_id=call.agent_id or "",
                             reviewed_by=reviewer, note=note)
        session.add(mark)
    else:
        mark.reviewed_by, mark.reviewed_at, mark.note = reviewer, utcnow(), note
    return mark
