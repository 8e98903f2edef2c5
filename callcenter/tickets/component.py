"""The tickets component: on ``TranscriptReady`` (C4) build or attach the call's ticket and store
its quality findings in a worker thread, then publish ``TicketChanged`` and, for an emergency,
``SupervisorAlert(kind="emergency")`` at once (R19). One bad transcript is logged with its call
and the next one goes on. Once a day the category model is refitted from the centre's new
examples (R5; see tickets/learning.py)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from callcenter.db.models.calls import Call
from callcenter.db.session import unit_of_work
from callcenter.messages import SupervisorAlert, TicketChanged, TranscriptReady
from callcenter.service import ServiceContext
from callcenter.tickets.intake import CallFacts, IntakeResult, ingest
from callcenter.tickets.transcript import TranscriptError, turns_from_json

log = logging.getLogger(__name__)
REFIT_SECONDS = 24 * 3600


class TicketsComponent:
    name = "tickets"

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self._stopped = False
        self._refits: asyncio.Task[None] | None = None
        self._warm: asyncio.Task[object] | None = None

    async def start(self) -> None:
        self.ctx.bus.subscribe(TranscriptReady, self._on_transcript, name="tickets:transcript")
        self._refits = asyncio.create_task(self._refit_daily(), name="tickets:refit")
        # The shipped category model is fitted once per process: do it before the first call needs it.
        from callcenter.tickets.models import shipped_model

        self._warm = asyncio.create_task(asyncio.to_thread(shipped_model), name="tickets:model")

    async def stop(self) -> None:
        self._stopped = True  # the bus owns the subscription task and cancels it on stop
        if self._refits is not None:
            self._refits.cancel()

    async def _refit_daily(self) -> None:
        while not self._stopped:
            await asyncio.sleep(REFIT_SECONDS)
            try:
                version = await asyncio.to_thread(self.refit)
            except Exception:
                log.exception("tickets: the scheduled refit of the category model failed")
                continue
            if version is not None:
                log.info("tickets: category model refit %s: %s", version[0], version[1])

    def refit(self) -> tuple[int, str] | None:
        """Worker thread: refit when the centre has new examples; (version, outcome) or None."""
        from callcenter.tickets.learning import refit_if_new

        with unit_of_work(self.ctx.sessions) as session:
            version = refit_if_new(session, self.ctx.clock.now())
            if version is None:
                return None
            return version.id, version.refused or f"active, test split macro-F1 {version.test_macro_f1:.3f}"

    async def _on_transcript(self, message: TranscriptReady) -> None:
        if self._stopped:
            return
        try:
            published = await asyncio.to_thread(self.process, message.call_id, message.transcript_id)
        except TranscriptError as exc:
            log.error("tickets: call %s transcript %s is unusable: %s", message.call_id,
                      message.transcript_id, exc)
            return
        except Exception:
            log.exception("tickets: call %s transcript %s failed", message.call_id, message.transcript_id)
            return
        for item in published:
            self.ctx.bus.publish(item)

    def process(self, call_id: int, transcript_id: int) -> list[Any]:
        """Worker thread: one unit of work per transcript; returns the messages to publish."""
        from callcenter.db.models.speech import Transcript as TranscriptRow  # the speech area's table (C4)

        with unit_of_work(self.ctx.sessions) as session:
            row = session.get(TranscriptRow, transcript_id)
            if row is None:
                raise TranscriptError(f"transcript {transcript_id} does not exist")
            call = session.get(Call, call_id)
            facts = CallFacts(call_id=call_id if call else None, caller=call.caller if call else None,
                              agent_id=call.agent_id if call else None, answered_late=_late(call))
            result = ingest(session, self.ctx.settings.hotline, turns_from_json(row.turns), facts,
                            self.ctx.clock.now(), transcript_id=str(transcript_id))
            return self._messages(result)

    def _messages(self, result: IntakeResult) -> list[Any]:
        ticket, at = result.ticket, self.ctx.clock.time()
        messages: list[Any] = [TicketChanged(ticket_id=ticket.id, change=result.change,  # type: ignore[arg-type]
                                             category=ticket.category, urgent=ticket.urgent,
                                             caller=ticket.caller,
                                             owner=ticket.owner, at=at)]
        if result.became_urgent:
            kinds = "、".join(result.extraction.emergency)
            messages.append(SupervisorAlert(kind="emergency",
                                            text=f"紧急工单 #{ticket.id}（{kinds}）：{ticket.summary}",
                                            ticket_id=ticket.id, callback_id=None, at=at))
        return messages


def _late(call: Call | None) -> bool | None:
    """R2: the call was answered after the third ring (the tracker's decision)."""
    if call is None:
        return None
    if call.greeting is not None:
        return call.greeting == "apology"
    return None if call.within_rule is None else not call.within_rule


def build(ctx: ServiceContext) -> TicketsComponent:
    return TicketsComponent(ctx)
