"""The callbacks component: subscribes to calls, tickets, messages, agent states and Originate
outcomes, and runs the scheduler (contract C6; after the tickets component in start order)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from callcenter.callbacks.runtime import CallbackRuntime
from callcenter.callbacks.scheduler import CallbackScheduler
from callcenter.callbacks.survey import SurveyRecorder
from callcenter.calls.model import (
    AgentRingEnded,
    AgentRinging,
    CallQueued,
    CallStarted,
    GreetingDecision,
    OriginateResult,
    SurveyScored,
)
from callcenter.messages import AgentStateChanged, CallStored, MessageLeft, TicketChanged
from callcenter.roles import all_in_one

log = logging.getLogger(__name__)


class CallbacksComponent:
    name = "callbacks"

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        hotline = ctx.settings.hotline
        # All in one process: the tracker's own AMI client. Run apart (issue 16): each callback is
        # sent to the tracker of its PBX through the relay (PlaceCallback), which holds the AMI.
        apart = not all_in_one(list(ctx.extras.get("roles") or ()))
        self.runtime = CallbackRuntime(hotline, ctx.sessions, ctx.clock, ctx.bus.publish, lambda: ctx.actions,
                                       ctx.bus.publish if apart else None, ctx.settings.pbx_name)
        self.scheduler = CallbackScheduler(ctx.settings.database_url, hotline.callbacks.scheduling,
                                           hotline.callbacks.sweep_seconds)
        self.surveys = SurveyRecorder(ctx.sessions, ctx.clock)
        ctx.extras["callbacks"] = self.runtime
        self._retry: asyncio.Task[None] | None = None

    async def start(self) -> None:
        bus, runtime = self.ctx.bus, self.runtime
        bus.subscribe(CallStored, self._on_call_stored, name="callbacks:calls")
        bus.subscribe(TicketChanged, runtime.on_ticket_changed, name="callbacks:tickets")
        bus.subscribe(MessageLeft, self._on_message_left, name="callbacks:messages")
        bus.subscribe(GreetingDecision, self._on_greeting, name="callbacks:greetings")
        bus.subscribe(SurveyScored, self.surveys.on_survey, name="callbacks:surveys")  # R21
        # One subscriber for both, so the customer leg's outcome never overtakes the agent's answer.
        bus.subscribe((OriginateResult, AgentRingEnded), self._on_attempt_event, name="callbacks:attempts")
        bus.subscribe_sync((CallStarted, CallQueued, AgentRinging), self._remember_caller)
        bus.subscribe_sync(AgentStateChanged, self._on_agent_state)
        runtime.waker = self.scheduler
        self.scheduler.on_lead = self._decide_waiting  # what the old leader left undecided
        await self.scheduler.start(runtime)
        if not await self._decide_waiting():
            self._retry_later()
        if not self.scheduler.active:
            return  # a standby: the active node places the callbacks (PostgreSQL advisory lock)
        placed = await runtime.run_due()  # whatever fell due while the service was down, once
        if placed:
            log.info("callbacks: placed %d callbacks that fell due while the service was stopped", placed)

    async def stop(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
        self.runtime.waker = None
        await self.scheduler.stop()

    async def _on_call_stored(self, msg: CallStored) -> None:
        if not self.scheduler.active:
            return  # a standby: the leader decides; the row waits for whoever leads next
        try:
            await self.runtime.on_call_stored(msg.call_id, msg.record)
        except Exception as exc:  # noqa: BLE001 (the database went away after the call's commit)
            log.warning("callbacks: call %s could not be decided now (%s); retried from its stored row",
                        msg.record.linkedid, exc)
            self._retry_later()

    async def _on_message_left(self, msg: MessageLeft) -> None:
        if not self.scheduler.active:
            return  # a standby: the stored message waits for whoever leads
        try:
            await self.runtime.on_message_left(msg)
        except Exception as exc:  # noqa: BLE001 (the database went away after the message's commit)
            log.warning("callbacks: message %s could not be decided now (%s); retried from its stored row",
                        msg.linkedid, exc)
            self._retry_later()

    async def _decide_waiting(self) -> bool:
        """Decide the stored calls still awaiting their callbacks; False if the database is away."""
        try:
            decided = await self.runtime.decide_waiting_calls()
        except Exception as exc:  # noqa: BLE001 (the database may be down: the calls wait in it)
            log.warning("callbacks: stored calls and messages awaiting their callbacks could not be read now "
                        "(%s)", exc)
            return False
        if decided:
            log.info("callbacks: decided the callbacks of %d stored calls or messages awaiting them",
                     decided)
        return True

    def _retry_later(self) -> None:
        if self._retry is None or self._retry.done():
            self._retry = asyncio.create_task(self._retry_until_decided(), name="callbacks:decide-waiting")

    async def _retry_until_decided(self) -> None:
        delay = 1.0
        while True:
            await asyncio.sleep(delay)
            if await self._decide_waiting():
                return
            delay = min(30.0, delay * 2)

    async def _on_attempt_event(self, msg: OriginateResult | AgentRingEnded) -> None:
        if isinstance(msg, OriginateResult):
            await self.runtime.on_originate_result(msg)
        else:
            await self.runtime.on_customer_leg(msg)

    async def _on_greeting(self, msg: GreetingDecision) -> None:
        try:
            await self.runtime.on_greeting(msg.linkedid)
        except Exception as exc:  # noqa: BLE001 (the database is away: the stored answered call cancels it)
            log.warning("callbacks: the abandoned-call callback of call %s's number is cancelled when the "
                        "call is stored (%s)", msg.linkedid, str(exc).splitlines()[0][:200])

    def _remember_caller(self, msg: CallStarted | CallQueued | AgentRinging) -> None:
        self.runtime.remember_caller(msg.linkedid, msg.caller)

    def _on_agent_state(self, msg: AgentStateChanged) -> None:
        self.runtime.on_agent_state(msg.agent_id, msg.state)


def build(ctx: Any) -> CallbacksComponent:
    return CallbacksComponent(ctx)
