"""The callbacks at work: bus messages in, callbacks created, due ones placed, outcomes recorded.

Database work runs in a worker thread; the event loop only awaits it. Time comes from the
injected clock, so tests drive ``run_due()``/``wake()`` with a frozen clock instead of waiting.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from callcenter.callbacks import customer_leg, outcomes, policies, store
from callcenter.callbacks.customer_leg import Attempt, AttemptsInFlight, CustomerOutcome
from callcenter.callbacks.executor import ANSWERED_REASON, Executor, Target, describe_reason, parse_action_id
from callcenter.callbacks.policies import CallFacts, Decision, PolicySettings
from callcenter.callbacks.store import CallbackView, Changes
from callcenter.calls.model import AgentRingEnded, CallRecord, OriginateResult
from callcenter.clock import Clock
from callcenter.db.models.callbacks import Callback
from callcenter.db.session import unit_of_work
from callcenter.hotline import Hotline
from callcenter.messages import MessageLeft, SupervisorAlert, TicketChanged

log = logging.getLogger(__name__)
BATCH = 100
EARLY = dt.timedelta(milliseconds=50)  # a timer may fire a hair before the due time


class Waker(Protocol):
    @property
    def wants_next_wake(self) -> bool: ...  # whether changed() needs the next wake-up time (one job re-armed)

    async def changed(self, changes: Changes, next_wake: dt.datetime | None, rearm: bool) -> None: ...


class CallbackRuntime:
    def __init__(self, hotline: Hotline, sessions: sessionmaker[Session], clock: Clock,
                 publish: Callable[[Any], None], actions: Callable[[], Any],
                 place: Callable[[Any], None] | None = None, default_pbx: str = "pbx") -> None:
        self.hotline = hotline
        self.cfg = PolicySettings.from_hotline(hotline)
        self.sessions = sessions
        self.clock = clock
        self.publish = publish
        self.executor = Executor(hotline, actions, hotline.callbacks.originate_timeout_seconds, place,
                                 default_pbx)
        self.waker: Waker | None = None
        self._callers: OrderedDict[str, str] = OrderedDict()  # linkedid -> caller, for GreetingDecision
        self.in_flight = AttemptsInFlight()  # our callbacks' calls whose agent answered, by linkedid
        self._settling = asyncio.Lock()  # the customer leg and the stored call report on two bus tasks
        self._lock = asyncio.Lock()

    # --- the unit of work, off the event loop ------------------------------------------------

    async def _work(self, fn: Callable[[Session], Changes], rearm: bool = True) -> Changes:
        """One unit of work in a worker thread; then alerts out and the scheduler told. ``rearm``
        False inside run_due's loop: the next wake-up is worked out once, at its end."""
        wants_next = rearm and self.waker is not None and self.waker.wants_next_wake

        def run() -> tuple[Changes, dt.datetime | None]:
            with unit_of_work(self.sessions) as session:
                changes = fn(session)
                return changes, store.next_wake(session, self.cfg) if wants_next else None
        changes, next_wake = await asyncio.to_thread(run)
        await self._announce(changes, next_wake, wants_next)
        return changes

    async def _announce(self, changes: Changes, next_wake: dt.datetime | None, rearm: bool) -> None:
        at = self.clock.time()
        for kind, cb, text in changes.alerts:
            self.publish(SupervisorAlert(kind=kind, text=text, ticket_id=cb.ticket_id,  # type: ignore[arg-type]
                                         callback_id=cb.id, at=at))
        if self.waker is not None:
            await self.waker.changed(changes, next_wake, rearm)

    async def decide(self, decisions: list[Decision]) -> Changes:
        now = self.clock.now()
        return await self._work(lambda s: store.apply(s, decisions, now))

    # --- bus messages -----------------------------------------------------------------------

    async def on_call_stored(self, call_id: int, record: CallRecord) -> None:
        """A call's record is committed: its callbacks are decided, and the call marked decided,
        in one unit of work (a crash in between leaves it for ``decide_waiting_calls``)."""
        attempt = self.in_flight.finished(record.linkedid)
        if attempt is not None:  # one of our own callbacks: no new promise comes of it
            outcome = customer_leg.from_record(record)
            async with self._settling:
                now = self.clock.now()

                def settle(s: Session) -> Changes:
                    store.mark_decided(s, call_id)
                    return outcomes.call_stored(s, attempt, call_id, record, outcome, now, self.cfg)
                await self._work(settle)
            return
        agent = self._agent_of(record.agent)
        dept = self.hotline.department_of_queue(record.queue) if record.queue else None
        facts = CallFacts(call_id=call_id, caller=record.caller, direction=record.direction,
                          answered=record.answered, abandoned=record.abandoned, dropped=record.dropped,
                          ended_at=dt.datetime.fromtimestamp(record.ended_at, dt.UTC), agent_id=agent,
                          department=dept.id if dept else None)
        now = self.clock.now()
        decisions = policies.for_call(facts, self.cfg)

        def decide(s: Session) -> Changes:
            store.mark_decided(s, call_id)
            return store.apply(s, decisions, now)
        await self._work(decide)

    async def decide_waiting_calls(self) -> int:
        """Calls and left messages stored but not yet decided (stored while this component was
        not listening, or a crash between the two commits): decide them now from their stored
        rows, oldest first."""
        done = 0
        while True:
            sizes: list[int] = []
            now = self.clock.now()
            await self._work(lambda s, now=now, sizes=sizes: self._decide_stored(s, now, sizes))  # type: ignore[misc]
            done += sizes[0]
            if sizes[0] < BATCH:
                return done

    def _decide_stored(self, session: Session, now: dt.datetime, sizes: list[int]) -> Changes:
        facts = store.awaiting_decisions(session, BATCH, self._agent_of, self._department_of)
        messages = store.messages_awaiting_decisions(session, BATCH)
        sizes.append(max(len(facts), len(messages)))
        changes = Changes()
        for fact in facts:
            if fact.call_id is not None:
                store.mark_decided(session, fact.call_id)
            changes.merge(store.apply(session, policies.for_call(fact, self.cfg), now))
        for message in messages:
            changes.merge(self._decide_message(session, message, now))
        return changes

    def _decide_message(self, session: Session, msg: MessageLeft, now: dt.datetime) -> Changes:
        store.mark_message_decided(session, msg.message_id)
        return store.apply(session, policies.for_message(msg, self.cfg), now)

    def _department_of(self, queue: str | None) -> str | None:
        dept = self.hotline.department_of_queue(queue) if queue else None
        return dept.id if dept else None

    def _agent_of(self, interface: str | None) -> str | None:
        if not interface:
            return None
        agent = self.hotline.agent_by_extension(interface.rsplit("/", 1)[-1])
        return agent.id if agent else None

    async def on_ticket_changed(self, msg: TicketChanged) -> None:
        now = self.clock.now()

        def work(session: Session) -> Changes:
            ticket = store.ticket_facts(session, msg.ticket_id)
            if ticket is None:
                log.warning("callbacks: ticket %s of a %s change is not in the database", msg.ticket_id,
                            msg.change)
                return Changes()
            number = self.cfg.number(ticket.number)
            if number is not None:
                store.follow_number(session, ticket.id, number, now)
            return store.apply(session, policies.for_ticket(msg.change, ticket, now, self.cfg), now)
        await self._work(work)

    async def on_message_left(self, msg: MessageLeft) -> None:
        """A stored message (R12, R18): its callback is decided, and the row marked decided, in one
        unit of work (a crash in between leaves it for ``decide_waiting_calls``)."""
        if not msg.caller:
            log.warning("callbacks: message %s left without a caller number; nobody to call back",
                        msg.linkedid)
        now = self.clock.now()
        await self._work(lambda s: self._decide_message(s, msg, now))

    def remember_caller(self, linkedid: str, caller: str | None) -> None:
        if caller:
            self._callers[linkedid] = caller
            while len(self._callers) > 10_000:
                self._callers.popitem(last=False)

    async def on_greeting(self, linkedid: str) -> None:
        """The caller reached an agent: an abandoned-call callback for that number is cancelled."""
        caller = self._callers.get(linkedid)
        if caller:
            await self.decide([policies.caller_got_through(caller)])

    def on_agent_state(self, agent_id: str | None, state: str) -> None:
        if agent_id:
            self.executor.agent_states[agent_id] = state

    async def on_originate_result(self, msg: OriginateResult) -> None:
        ours = parse_action_id(msg.action_id)
        if ours is None:
            return
        callback_id, attempt = ours
        now = self.clock.now()
        if msg.success and msg.reason == ANSWERED_REASON and msg.uniqueid:
            # Only the agent has answered: the customer leg (same Linkedid) decides the attempt.
            linkedid = msg.uniqueid
            self.in_flight.agent_answered(linkedid, Attempt(callback_id, attempt, msg.action_id))
            await self._work(lambda s: outcomes.agent_answered(s, callback_id, attempt, linkedid, msg.channel,
                                                               now, msg.action_id))
            return
        answered = msg.success and msg.reason == ANSWERED_REASON  # no Uniqueid: nothing more to follow
        detail = describe_reason(msg.reason)
        await self._work(lambda s: outcomes.attempt_result(s, callback_id, attempt, answered, detail, now,
                                                            self.cfg, msg.action_id))

    async def on_customer_leg(self, msg: AgentRingEnded) -> None:
        """The customer leg's answer or DialEnd (NOANSWER | BUSY | CANCEL | …) settles the attempt;
        a department callback's member leg (the agent side) does not."""
        attempt = self.in_flight.get(msg.linkedid) if msg.customer else None
        if attempt is not None:
            await self._settle(attempt, customer_leg.describe(msg.outcome, msg.ring_seconds))

    async def _settle(self, attempt: Attempt, outcome: CustomerOutcome) -> None:
        async with self._settling:
            now = self.clock.now()
            await self._work(lambda s: outcomes.attempt_result(
                s, attempt.callback_id, attempt.attempt, outcome.answered, outcome.detail, now, self.cfg,
                attempt.action_id))

    # --- waking -----------------------------------------------------------------------------

    async def run_due(self) -> int:
        """Escalate what is overdue, then place every callback that is due now."""
        async with self._lock:
            now = self.clock.now()
            await self._work(lambda s: _housekeeping(s, now, self.cfg), rearm=False)
            placed = 0
            while True:
                claimed = await self._claim(lambda s: store.due_ids(s, now + EARLY, BATCH), now)
                await self._place(claimed)
                placed += len(claimed)
                if len(claimed) < BATCH:
                    break
            await self._work(lambda s: Changes())  # the next wake-up, once
            return placed

    async def wake(self, callback_id: int) -> bool:
        """One callback's own wake-up; the row decides: done or not yet due means nothing to do."""
        async with self._lock:
            now = self.clock.now()
            # Whatever else is due goes along in the same unit of work: a burst of due callbacks
            # then costs a few transactions, not two per callback; their own wake-ups find them
            # taken and do nothing.
            claimed = await self._claim(lambda s: _with_due(s, callback_id, now), now)
            await self._place(claimed)
            if not claimed:  # moved later meanwhile (CLI, another node): wake again at the new time
                await self._work(lambda s: _rearm_if_pending(s, callback_id))
            return bool(claimed)

    async def _claim(self, ids: Callable[[Session], list[int]], now: dt.datetime) -> list[CallbackView]:
        claimed: list[CallbackView] = []
        opening = self.cfg.calling_time(now)

        def work(session: Session) -> Changes:
            if opening > now + EARLY:  # no origination outside calling hours, however it became due
                return _defer(session, ids(session), opening, now)
            for callback_id in ids(session):
                cb = store.claim(session, callback_id, now + EARLY)
                if cb is None:
                    continue
                if cb.reason == "abandoned" and store.caller_reached_agent_since(session, cb.caller,
                                                                                 cb.created_at):
                    cb.status, cb.outcome, cb.attempts = "cancelled", "the caller got through to an agent", 0
                    store.note(session, cb, "cancelled", now, cb.outcome)
                    continue
                claimed.append(CallbackView.of(cb, store.pbx_of(session, cb)))
            return Changes()
        await self._work(work, rearm=False)
        return claimed

    async def _place(self, claimed: list[CallbackView]) -> None:
        """Originate each claimed callback, then record all the attempts in one unit of work."""
        if not claimed:
            return
        sent: list[tuple[CallbackView, Target, str | None, str | None]] = []
        for cb in claimed:
            target = self.executor.target(cb)
            try:
                sent.append((cb, target, await self.executor.originate(cb, target), None))
            except Exception as exc:  # noqa: BLE001  (per-callback boundary: an AMI error or no
                # connection is an unanswered attempt, retried by the policy; the others go on)
                log.warning("callbacks: originate for #%s failed: %s", cb.id, exc)
                sent.append((cb, target, None, f"{target.who}: {exc}"))
        now = self.clock.now()
        await self._work(lambda s: _record_attempts(s, sent, now, self.cfg), rearm=False)


def _housekeeping(session: Session, now: dt.datetime, cfg: PolicySettings) -> Changes:
    changes = outcomes.expire_stale(session, now, cfg)
    changes.merge(outcomes.escalate_overdue(session, now, cfg))
    return changes


def _defer(session: Session, ids: list[int], opening: dt.datetime, now: dt.datetime) -> Changes:
    """Due callbacks found outside calling hours wait for the next opening (the promise stays)."""
    changes = Changes()
    for callback_id in ids:
        cb = session.get(Callback, callback_id)
        if cb is None or cb.status != "pending" or cb.due_at > now + EARLY:
            continue
        cb.due_at = opening
        store.note(session, cb, "deferred", now, f"outside calling hours; due {opening:%Y-%m-%d %H:%M}Z")
        changes.armed.append((cb.id, opening))
    return changes


def _with_due(session: Session, callback_id: int, now: dt.datetime) -> list[int]:
    others = store.due_ids(session, now + EARLY, BATCH)
    return [callback_id] + [i for i in others if i != callback_id]


def _rearm_if_pending(session: Session, callback_id: int) -> Changes:
    row = session.get(Callback, callback_id)
    return Changes(armed=[(row.id, row.due_at)]) if row is not None and row.status == "pending" else Changes()


def _record_attempts(session: Session, sent: list[tuple[CallbackView, Target, str | None, str | None]],
                     now: dt.datetime, cfg: PolicySettings) -> Changes:
    changes = Changes()
    for cb, target, action_id, error in sent:
        if error is not None:
            changes.merge(outcomes.attempt_result(session, cb.id, cb.attempts, False, error, now, cfg))
            continue
        row = session.get(Callback, cb.id)
        if row is not None:
            store.note(session, row, "attempt", now, f"ringing {target.who}", action_id=action_id,
                       channel=target.channel)
    return changes
