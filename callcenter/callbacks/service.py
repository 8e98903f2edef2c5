"""What people do with callbacks (contract C6): list the due ones, run one now, reschedule with a
reason, close with an outcome. Session passed in; nothing here commits. A running service picks
the changes up at its next wake-up or sweep (R22: every promise stays visible until kept)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import and_, case, or_, select
from sqlalchemy.orm import Session

from callcenter.callbacks import outcomes, store
from callcenter.callbacks.policies import PolicySettings
from callcenter.db.models.callbacks import OPEN_STATUSES, Callback
from callcenter.errors import CallcenterError


class CallbackError(CallcenterError):
    """A callback that does not exist, or cannot be changed that way."""


def due_for(session: Session, agent_id: str | None, now: dt.datetime, *, departments: Collection[str] = (),
            include_upcoming: bool = False) -> list[Callback]:
    """An agent's callbacks (their own, and unowned ones of their departments) that are due; or,
    for ``agent_id=None`` (supervisors), everyone's, overdue first."""
    query = select(Callback).where(Callback.status.in_(OPEN_STATUSES))
    if agent_id is not None:
        mine = Callback.owner == agent_id
        query = query.where(or_(mine,
                                and_(Callback.owner.is_(None), Callback.department.in_(list(departments)))))
    if not include_upcoming:
        query = query.where(Callback.due_at <= now)
    overdue_first = case((Callback.promised_at <= now, 0), else_=1)
    return list(session.scalars(query.order_by(overdue_first, Callback.promised_at, Callback.due_at,
                                               Callback.id)))


def _get(session: Session, callback_id: int) -> Callback:
    cb = session.get(Callback, callback_id)
    if cb is None:
        raise CallbackError(f"callback {callback_id} does not exist")
    return cb


def run_now(session: Session, callback_id: int, now: dt.datetime, by: str | None = None) -> Callback:
    """Make a pending or failed callback due at once; the service places it at its next wake-up."""
    cb = _get(session, callback_id)
    if cb.status not in ("pending", "failed"):
        raise CallbackError(f"callback {callback_id} is {cb.status}; only pending or failed ones can be run")
    if cb.status == "failed":
        cb.attempts = 0  # a person asked for it: a fresh round of attempts
    cb.status, cb.due_at = "pending", now
    store.note(session, cb, "rescheduled", now, f"run now{f' by {by}' if by else ''}")
    return cb


def reschedule(session: Session, callback_id: int, when: dt.datetime, reason: str, now: dt.datetime,
               by: str | None = None) -> Callback:
    """R8: a promise moved (e.g. the customer asked for another time) keeps its reason on record."""
    if when.tzinfo is None:
        raise CallbackError("give the new time with its time zone (e.g. 2026-11-26T09:30+08:00)")
    if not reason.strip():
        raise CallbackError("say why the callback is moved (--reason)")
    cb = _get(session, callback_id)
    if cb.status in ("done", "cancelled"):
        raise CallbackError(f"callback {callback_id} is {cb.status} and cannot be rescheduled")
    if cb.status == "failed":
        cb.attempts = 0
    cb.status, cb.due_at, cb.note = "pending", when.astimezone(dt.UTC), reason.strip()
    cb.promised_at, cb.escalated_at = cb.due_at, None  # a new promise, agreed with the customer
    store.note(session, cb, "rescheduled", now, f"to {cb.due_at.isoformat()}: {reason.strip()}"
               + (f" (by {by})" if by else ""))
    return cb


def close(session: Session, callback_id: int, outcome: str, now: dt.datetime, by: str | None = None,
          cfg: PolicySettings | None = None) -> Callback:
    """Record that the callback happened (or is no longer owed) and how it went; with ``cfg``, a
    complaint gets its next follow-up planned while its ticket is open (R7)."""
    if not outcome.strip():
        raise CallbackError("say how the callback went (--outcome)")
    cb = _get(session, callback_id)
    if cb.status in ("done", "cancelled"):
        raise CallbackError(f"callback {callback_id} is already {cb.status}")
    cb.status, cb.outcome = "done", outcome.strip()
    store.note(session, cb, "closed", now, outcome.strip() + (f" (by {by})" if by else ""))
    if cfg is not None:
        outcomes.followup(session, cb, now, cfg)
    return cb
