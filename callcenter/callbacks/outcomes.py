"""What happens after an attempt, and to callbacks past due (R7, R9, R22).

Data functions (session passed in, no commit) returning the ``Changes`` to arm and announce.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.callbacks import policies, store
from callcenter.callbacks.customer_leg import Attempt, CustomerOutcome
from callcenter.callbacks.policies import PolicySettings
from callcenter.callbacks.store import CallbackView, Changes
from callcenter.calls.model import CallRecord
from callcenter.db.models.callbacks import Callback, CallbackLog
from callcenter.words.enums import word
from callcenter.words.formats import local_time

# An attempt whose OriginateResponse never came (connection lost, service stopped) counts as
# unanswered after the originate timeout plus this margin.
STALE_MARGIN = dt.timedelta(seconds=60)
# A tracker places a request only this soon after the attempt began, well inside STALE_MARGIN: a
# request that arrives later (or none) has its attempt counted unanswered and retried, never both.
PLACE_WINDOW = dt.timedelta(seconds=30)


def attempt_result(session: Session, callback_id: int, attempt: int, answered: bool, detail: str,
                   now: dt.datetime, cfg: PolicySettings, action_id: str | None = None) -> Changes:
    """Record Asterisk's answer to attempt number ``attempt``; a late or repeated one is ignored.
    The row is locked (PostgreSQL): the customer leg and the stored call may report at once."""
    cb = session.get(Callback, callback_id, with_for_update=True)
    if cb is None or cb.status != "running" or cb.attempts != attempt:
        return Changes()
    if answered:
        return _answered(session, cb, now, cfg, detail, action_id)
    return unanswered(session, cb, now, cfg, detail, action_id)


def agent_answered(session: Session, callback_id: int, attempt: int, linkedid: str, channel: str | None,
                   now: dt.datetime, action_id: str) -> Changes:
    """The agent took the callback; it stays running until the customer leg's outcome is known."""
    cb = session.get(Callback, callback_id)
    if cb is not None and cb.status == "running" and cb.attempts == attempt:
        store.note(session, cb, "agent_answered", now,
                   f"agent answered, dialling the customer (call {linkedid})",
                   action_id=action_id, channel=channel)
    return Changes()


def call_stored(session: Session, attempt: Attempt, call_id: int, record: CallRecord,
                outcome: CustomerOutcome,
                now: dt.datetime, cfg: PolicySettings) -> Changes:
    """The attempt's call is in ``calls``: logged against the callback; an attempt whose customer
    leg was not reported on its own is settled from the record."""
    cb = session.get(Callback, attempt.callback_id)
    if cb is None:
        return Changes()
    talk = f", talked {record.talk_seconds:.0f} s" if record.talk_seconds is not None else ""
    store.note(session, cb, "call", now, f"call {call_id} stored: {outcome.detail}{talk}",
               action_id=attempt.action_id)
    return attempt_result(session, attempt.callback_id, attempt.attempt, outcome.answered, outcome.detail,
                          now, cfg,
                          attempt.action_id)


def _answered(session: Session, cb: Callback, now: dt.datetime, cfg: PolicySettings, detail: str,
              action_id: str | None) -> Changes:
    cb.status, cb.outcome = "done", detail
    store.note(session, cb, "answered", now, detail, action_id=action_id)
    return followup(session, cb, now, cfg)


def followup(session: Session, cb: Callback, now: dt.datetime, cfg: PolicySettings) -> Changes:
    """R7: after a complaint reply, the next follow-up, until the ticket is closed."""
    ticket = store.ticket_facts(session, cb.ticket_id)
    number = store.followups_so_far(session, cb.ticket_id) + 1 if cb.ticket_id else 0
    plan = policies.followup_after_reply(cb.reason, ticket, number, now, cfg)
    return store.apply(session, [plan], now) if plan else Changes()


def unanswered(session: Session, cb: Callback, now: dt.datetime, cfg: PolicySettings, detail: str,
               action_id: str | None = None) -> Changes:
    store.note(session, cb, "no_answer", now, detail, action_id=action_id)
    retry = policies.retry_at(cb.attempts, now, cfg)
    if retry is not None:
        cb.status, cb.due_at = "pending", retry
        return Changes(armed=[(cb.id, retry)])
    cb.status = "failed"
    cb.outcome = f"not reached after {cb.attempts} attempts ({detail})"
    text = (f"回电{cb.attempts}次未接通：{_label(cb, cfg, 'zh')} / "
            f"callback not reached after {cb.attempts} attempts: {_label(cb, cfg, 'en')}")
    return Changes(alerts=[("callback_overdue", CallbackView.of(cb), text)])


def escalate_overdue(session: Session, now: dt.datetime, cfg: PolicySettings) -> Changes:
    """R22: a promise past due and still not kept goes to anyone in the department, and a
    supervisor hears of it (an overdue complaint reply as its own alert, R7)."""
    limit = now - dt.timedelta(minutes=cfg.callbacks.escalate_after_minutes)
    query = select(Callback).where(Callback.status.in_(("pending", "running", "failed")),
                                   Callback.escalated_at.is_(None), Callback.promised_at <= limit)
    changes = Changes()
    for cb in session.scalars(query):
        previous = cb.owner
        cb.owner, cb.escalated_at = None, now
        store.note(session, cb, "escalated", now,
                   f"owner {previous or '-'} -> department {cb.department or '-'}")
        kind = policies.alert_kind(cb.reason)
        title = "投诉回复超时" if kind == "complaint_overdue" else "回电超时，已转部门"
        text = f"{title}：{_label(cb, cfg, 'zh')} / {kind.replace('_', ' ')}: {_label(cb, cfg, 'en')}"
        changes.alerts.append((kind, CallbackView.of(cb), text))
    return changes


def expire_stale(session: Session, now: dt.datetime, cfg: PolicySettings) -> Changes:
    limit = now - dt.timedelta(seconds=cfg.callbacks.originate_timeout_seconds) - STALE_MARGIN
    # Locked: a tracker placing the attempt (claim_placement) and this wait for each other.
    query = (select(Callback).where(Callback.status == "running", Callback.last_attempt_at <= limit)
             .with_for_update())
    changes = Changes()
    for cb in session.scalars(query):
        changes.merge(unanswered(session, cb, now, cfg, "no response from Asterisk"))
    return changes


def claim_placement(session: Session, callback_id: int, attempt: int, action_id: str, pbx: str,
                    now: dt.datetime) -> bool:
    """A tracker takes attempt ``attempt`` to place it (issue 16): True once; False for a repeated
    request, an attempt already settled or retried, or one older than PLACE_WINDOW (which
    expire_stale may already count as unanswered). The row is locked against expire_stale."""
    cb = session.scalar(select(Callback).where(
        Callback.id == callback_id, Callback.status == "running", Callback.attempts == attempt,
        Callback.last_attempt_at >= now - PLACE_WINDOW).with_for_update())
    if cb is None:
        return False
    placed = select(CallbackLog.id).where(CallbackLog.callback_id == callback_id,
                                          CallbackLog.attempt == attempt, CallbackLog.kind == "placed")
    if session.scalar(placed.limit(1)) is not None:
        return False
    store.note(session, cb, "placed", now, f"placed on {pbx}", action_id=action_id)
    return True


def mask(number: str) -> str:
    """R17: alerts and lists show a number's head and tail only."""
    return number if len(number) < 7 else f"{number[:3]}****{number[-4:]}"


def _label(cb: Callback, cfg: PolicySettings, lang: str) -> str:
    """The alert's callback in one language (the alert says it in Chinese, then in English): its
    reason in words, the masked number (R17), its promise in the hotline's local time, who has it
    (an agent and a department by the names people know)."""
    reason = word(lang, "callback_reason", cb.reason)
    promised = local_time(cb.promised_at, cfg.tz, lang, "minute")
    department = cfg.department_name(cb.department)
    if lang == "zh":
        who = f"负责人 {cfg.agent_name(cb.owner)}" if cb.owner else f"部门 {department}"
        return f"#{cb.id} {reason} {mask(cb.caller)}，承诺 {promised}（{who}）"
    who = f"owner {cfg.agent_name(cb.owner)}" if cb.owner else f"department {department}"
    return f"#{cb.id} {reason} {mask(cb.caller)} promised {promised} ({who})"
