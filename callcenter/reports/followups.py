"""The follow-up report: what became of the calls (R6-R8 callbacks, R7 complaint replies,
R16 quality findings, R21 satisfaction) over a period. Reads the tickets and callbacks tables
(contracts C5, C6) and never writes.

* tickets — created in the period, by category and status.
* callbacks — promised in the period, per reason: done on time (answered or closed by the
  promised time — retries move ``due_at``, never the promise, R22), done late, overdue (still
  open and past the promise), still to come, cancelled.
* complaint replies (R7) — complaints opened in the period whose first complaint callback was
  answered/closed within ``COMPLAINT_REPLY_HOURS``; late; not replied and past 48 h; waiting.
* satisfaction (R21) — the 1–5 marks of tickets created in the period, per owner.
* quality findings (R16) — findings recorded in the period, per agent and kind.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from callcenter import rules
from callcenter.db.models.callbacks import Callback, CallbackLog
from callcenter.db.models.tickets import QualityFinding, Ticket
from callcenter.reports.period import Period

DONE_KINDS = ("answered", "closed")
OPEN = ("pending", "running", "failed")


@dataclass
class FollowUps:
    period: Period
    tickets: dict[str, dict[str, int]] = field(default_factory=dict)  # category -> status -> n
    callbacks: dict[str, dict[str, int]] = field(default_factory=dict)  # reason -> outcome -> n
    complaints: dict[str, int] = field(default_factory=dict)
    satisfaction: dict[str, dict[str, Any]] = field(default_factory=dict)  # owner -> n, average, marks
    findings: dict[str, dict[str, int]] = field(default_factory=dict)  # agent -> kind -> n


def _done_at() -> Any:
    return (select(CallbackLog.callback_id, func.min(CallbackLog.at).label("done_at"))
            .where(CallbackLog.kind.in_(DONE_KINDS)).group_by(CallbackLog.callback_id).subquery())


def tickets_by_category(session: Session, period: Period) -> dict[str, dict[str, int]]:
    stmt = select(Ticket.category, Ticket.status, func.count()).where(
        Ticket.created_at >= period.start,
        Ticket.created_at < period.end).group_by(Ticket.category, Ticket.status)
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for category, status, count in session.execute(stmt):
        out[category][status] = int(count)
    return dict(out)


def callback_timeliness(session: Session, period: Period, now: dt.datetime) -> dict[str, dict[str, int]]:
    done = _done_at()
    finished = Callback.status == "done"
    outcomes = {
        "on_time": finished & (done.c.done_at <= Callback.promised_at),
        "late": finished & ((done.c.done_at > Callback.promised_at) | done.c.done_at.is_(None)),
        "overdue": Callback.status.in_(OPEN) & (Callback.promised_at < now),
        "to_come": Callback.status.in_(OPEN) & (Callback.promised_at >= now),
        "cancelled": Callback.status == "cancelled",
    }
    stmt = select(Callback.reason, func.count(),
                  *[func.sum(case((cond, 1), else_=0)) for cond in outcomes.values()]) \
        .outerjoin(done, done.c.callback_id == Callback.id) \
        .where(Callback.promised_at >= period.start,
               Callback.promised_at < period.end).group_by(Callback.reason)
    out = {}
    for reason, promised, *counts in session.execute(stmt):
        out[reason] = {"promised": int(promised),
                       **{name: int(n or 0) for name, n in zip(outcomes, counts, strict=True)}}
    return out


def complaint_replies(session: Session, period: Period, now: dt.datetime) -> dict[str, int]:
    """R7: a complaint is answered within 48 hours."""
    done = _done_at()
    first_reply = (select(Callback.ticket_id, func.min(done.c.done_at).label("replied_at"))
                   .join(done, done.c.callback_id == Callback.id)
                   .where(Callback.reason == "complaint_48h").group_by(Callback.ticket_id).subquery())
    stmt = select(Ticket.created_at, first_reply.c.replied_at).outerjoin(
        first_reply, first_reply.c.ticket_id == Ticket.id).where(
        Ticket.category == "complaint", Ticket.created_at >= period.start, Ticket.created_at < period.end)
    limit = dt.timedelta(hours=rules.COMPLAINT_REPLY_HOURS)
    out = dict.fromkeys(("complaints", "replied_in_time", "replied_late", "overdue", "waiting"), 0)
    for created, replied in session.execute(stmt):
        out["complaints"] += 1
        if replied is not None:
            out["replied_in_time" if replied - created <= limit else "replied_late"] += 1
        else:
            out["overdue" if now - created > limit else "waiting"] += 1
    return out


def satisfaction_by_owner(session: Session, period: Period) -> dict[str, dict[str, Any]]:
    """R21: the marks (1–5) per ticket owner, with the average."""
    stmt = select(Ticket.owner, Ticket.satisfaction, func.count()).where(
        Ticket.satisfaction.is_not(None), Ticket.created_at >= period.start, Ticket.created_at < period.end
    ).group_by(Ticket.owner, Ticket.satisfaction)
    marks: dict[str, dict[int, int]] = defaultdict(lambda: dict.fromkeys(range(1, 6), 0))
    for owner, mark, count in session.execute(stmt):
        marks[owner or "-"][int(mark)] = int(count)
    out = {}
    for owner, dist in sorted(marks.items()):
        n = sum(dist.values())
        out[owner] = {"n": n, "average": round(sum(k * v for k, v in dist.items()) / n, 2) if n else None,
                      "marks": dist}
    return out


def findings_by_agent(session: Session, period: Period,
                      agent_id: str | None = None) -> dict[str, dict[str, int]]:
    stmt = select(QualityFinding.agent_id, QualityFinding.kind, func.count()).where(
        QualityFinding.created_at >= period.start, QualityFinding.created_at < period.end
    ).group_by(QualityFinding.agent_id, QualityFinding.kind)
    if agent_id is not None:
        stmt = stmt.where(QualityFinding.agent_id == agent_id)
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for agent, kind, count in session.execute(stmt):
        out[agent or "-"][kind] = int(count)
    return dict(out)


def followup_report(session: Session, period: Period, now: dt.datetime) -> FollowUps:
    return FollowUps(period=period, tickets=tickets_by_category(session, period),
                     callbacks=callback_timeliness(session, period, now),
                     complaints=complaint_replies(session, period, now),
                     satisfaction=satisfaction_by_owner(session, period),
                     findings=findings_by_agent(session, period))


def as_json(report: FollowUps) -> dict[str, Any]:
    return {"period": {"from": report.period.first.isoformat(), "to": report.period.last.isoformat()},
            "tickets": report.tickets, "callbacks": report.callbacks, "complaint_replies": report.complaints,
            "satisfaction": report.satisfaction, "quality_findings": report.findings}
