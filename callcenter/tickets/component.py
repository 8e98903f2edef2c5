"""The tickets component: on ``TranscriptReady`` (C4), and for a stored transcript whose call is on
no ticket yet (looked for at start and every minute: a message lost to a crash loses no ticket),
build or attach the call's ticket and store its quality findings in a worker thread, then publish
``TicketChanged`` and, for an emergency, ``SupervisorAlert(kind="emergency")`` at once (R19). One
bad transcript is logged with its call and the next one goes on. Once a day the category model is
refitted from the centre's new examples (R5; see tickets/learning.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from sqlalchemy import exists, select

from callcenter.db.models.calls import Call
from callcenter.db.session import unit_of_work
from callcenter.messages import CallStored, LiveEmergency, SupervisorAlert, TicketChanged, TranscriptReady
from callcenter.service import ServiceContext
from callcenter.tickets import live_urgent
from callcenter.tickets.intake import CallFacts, IntakeResult, ingest
from callcenter.tickets.service import tickets_of_call
from callcenter.tickets.transcript import TranscriptError, turns_from_json
from callcenter.words.alerts import alert_text, danger_name, danger_names

log = logging.getLogger(__name__)
REFIT_SECONDS = 24 * 3600
# Transcripts whose call has no ticket yet (TranscriptReady lost to a crash right after the
# transcript's commit) are looked for at start and this often, a week back.
MISSED_SECONDS = 60.0
MISSED_WINDOW = dt.timedelta(days=7)
MISSED_GRACE = dt.timedelta(seconds=30)  # younger ones are still on their way as TranscriptReady


class TicketsComponent:
    name = "tickets"

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self._stopped = False
        self._refits: asyncio.Task[None] | None = None
        self._warm: asyncio.Task[object] | None = None
        self._missed: asyncio.Task[None] | None = None
        # One transcript at a time: the message and the look for missed ones never both create.
        self._one_at_a_time = asyncio.Lock()
        self._unusable: set[int] = set()  # transcripts already reported unusable (said once)

    async def start(self) -> None:
        # One subscriber, in order: a call's live urgent ticket is joined to the stored call before
        # that call's transcript can arrive, so the transcript attaches to it (never a second ticket).
        self.ctx.bus.subscribe((TranscriptReady, CallStored, LiveEmergency), self._on_message,
                               name="tickets:transcript")
        self._refits = asyncio.create_task(self._refit_daily(), name="tickets:refit")
        self._missed = asyncio.create_task(self._missed_forever(), name="tickets:missed")
        # The shipped category model is fitted once per process: do it before the first call needs it.
        from callcenter.tickets.models import shipped_model

        self._warm = asyncio.create_task(asyncio.to_thread(shipped_model), name="tickets:model")

    async def stop(self) -> None:
        self._stopped = True  # the bus owns the subscription task and cancels it on stop
        for task in (self._refits, self._missed):
            if task is not None:
                task.cancel()

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

    async def _on_message(self, message: object) -> None:
        if self._stopped:
            return
        if isinstance(message, TranscriptReady):
            await self._ingest(message.call_id, message.transcript_id)
        elif isinstance(message, LiveEmergency):
            await self._on_live_emergency(message)
        elif isinstance(message, CallStored):
            await self._join_live_ticket(message)

    async def _join_live_ticket(self, message: CallStored) -> None:
        """The urgent ticket opened while the call was up gets the stored call's row, found by the
        call's key in the database, not in this process's memory (a restart keeps the link)."""
        record = message.record
        try:
            async with self._one_at_a_time:
                await asyncio.to_thread(self._link_call, record.server, record.linkedid, message.call_id)
        except Exception:
            log.exception("tickets: call %s could not be joined to the urgent ticket opened during it",
                          record.linkedid)

    def _link_call(self, server: str, linkedid: str, call_id: int) -> None:
        with unit_of_work(self.ctx.sessions) as session:
            live_urgent.link_stored_call(session, server, linkedid, call_id)

    async def _on_live_emergency(self, message: LiveEmergency) -> None:
        """R19 while the caller is on the line: the urgent ticket now, owned by the agent."""
        try:
            async with self._one_at_a_time:
                published = await asyncio.to_thread(self.open_urgent, message)
        except Exception:
            log.exception("tickets: the urgent ticket of call %s could not be opened", message.linkedid)
            return
        for item in published:
            self.ctx.bus.publish(item)

    def open_urgent(self, message: LiveEmergency) -> list[Any]:
        with unit_of_work(self.ctx.sessions) as session:
            opened = live_urgent.open_or_escalate(session, self.ctx.settings.hotline, message,
                                                  self.ctx.clock.now())
            if opened is None:
                return []
            ticket, change = opened
            at = self.ctx.clock.time()
            text = alert_text(f"紧急工单 #{ticket.id}（{message.danger}）",
                              f"urgent ticket #{ticket.id} ({danger_name(message.danger, 'en')})",
                              ticket.summary)
            return [TicketChanged(ticket_id=ticket.id, change=change,  # type: ignore[arg-type]
                                  category=ticket.category, urgent=True, caller=ticket.caller,
                                  owner=ticket.owner, at=at),
                    SupervisorAlert(kind="emergency", text=text, ticket_id=ticket.id, callback_id=None, at=at,
                                    linkedid=message.linkedid, agent_id=message.agent_id)]

    async def _ingest(self, call_id: int, transcript_id: int, missed: bool = False) -> bool:
        """Build or attach the transcript's ticket; False if it failed (logged). A missed one
        taken up meanwhile by its message is left alone."""
        async with self._one_at_a_time:
            try:
                published = await asyncio.to_thread(self.process, call_id, transcript_id, missed)
            except TranscriptError as exc:
                if transcript_id not in self._unusable:
                    log.error("tickets: call %s transcript %s is unusable: %s", call_id, transcript_id, exc)
                self._unusable.add(transcript_id)
                return False
            except Exception:
                log.exception("tickets: call %s transcript %s failed", call_id, transcript_id)
                return False
        for item in published:
            self.ctx.bus.publish(item)
        return True

    async def _missed_forever(self) -> None:
        while not self._stopped:
            try:
                missed = await asyncio.to_thread(self.missed_transcripts)
            except Exception as exc:  # noqa: BLE001 - the database may be away: look again later
                log.warning("tickets: transcripts without their ticket could not be read now (%s)",
                            str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__)
                missed = []
            done = 0
            for call_id, transcript_id in missed:
                if transcript_id not in self._unusable and await self._ingest(call_id, transcript_id, True):
                    done += 1
            if done:
                log.info("tickets: %d transcript(s) whose ticket was not built yet were taken up", done)
            await asyncio.sleep(MISSED_SECONDS)

    def missed_transcripts(self) -> list[tuple[int, int]]:
        """Worker thread: (call id, transcript id) of the recent transcripts whose call is on no
        ticket: the ticket starts from the stored transcript, not only from TranscriptReady."""
        from callcenter.db.models.speech import Transcript as TranscriptRow  # the speech area's table (C4)
        from callcenter.db.models.tickets import TicketCall

        now = self.ctx.clock.now()
        with unit_of_work(self.ctx.sessions) as session:
            rows = session.execute(
                select(TranscriptRow.call_id, TranscriptRow.id)
                .where(TranscriptRow.created_at >= now - MISSED_WINDOW,
                       TranscriptRow.created_at <= now - MISSED_GRACE,
                       ~exists().where(TicketCall.call_id == TranscriptRow.call_id))
                .order_by(TranscriptRow.id)).all()
            return [(int(call_id), int(transcript_id)) for call_id, transcript_id in rows]

    def process(self, call_id: int, transcript_id: int, only_if_missing: bool = False) -> list[Any]:
        """Worker thread: one unit of work per transcript; returns the messages to publish.
        ``only_if_missing``: nothing when the call is on a ticket already."""
        from callcenter.db.models.speech import Transcript as TranscriptRow  # the speech area's table (C4)

        with unit_of_work(self.ctx.sessions) as session:
            # Locked for the unit of work: two nodes taking up the same transcript build one ticket.
            row = session.get(TranscriptRow, transcript_id, with_for_update=True)
            if row is None:
                raise TranscriptError(f"transcript {transcript_id} does not exist")
            if only_if_missing and tickets_of_call(session, call_id):
                return []
            call = session.get(Call, call_id)
            facts = CallFacts(call_id=call_id if call else None, caller=call.caller if call else None,
                              agent_id=call.agent_id if call else None, answered_late=_late(call),
                              server=call.server if call else None, linkedid=call.linkedid if call else None)
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
            dangers = result.extraction.emergency
            text = alert_text(f"紧急工单 #{ticket.id}（{danger_names(dangers, 'zh')}）",
                              f"urgent ticket #{ticket.id} ({danger_names(dangers, 'en')})",
                              ticket.summary)
            messages.append(SupervisorAlert(kind="emergency", text=text,
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
