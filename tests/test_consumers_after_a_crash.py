"""Consumers start from the stored record, not only from an in-memory message (issue 11): a process
that dies right after a call's commit never sends its CallStored, and one that dies right after a
transcript's commit never sends its TranscriptReady. After the restart the transcription job and
the ticket are still made, once; the late or repeated message doubles nothing. SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from callcenter.bus import EventBus
from callcenter.calls.model import CallRecord
from callcenter.clock import FrozenClock
from callcenter.config import load_settings
from callcenter.db.models.calls import Call
from callcenter.db.models.speech import Transcript, TranscriptionJob
from callcenter.db.models.tickets import Ticket, TicketCall
from callcenter.db.session import make_engine, make_session_factory, unit_of_work
from callcenter.messages import CallStored, TicketChanged, TranscriptReady
from callcenter.service import ServiceContext
from callcenter.speech.component import SpeechComponent
from callcenter.tickets import component as tickets

NOW = dt.datetime(2026, 12, 6, 2, 0, tzinfo=dt.UTC)
TURNS = [
    {"speaker": "agent", "start": 0.0, "end": 2.0, "text": "您好 物业 客服 中心"},
    {"speaker": "caller", "start": 2.5, "end": 8.0, "text": "我 家 卫生间 水管 漏水 了 住 B 座 一 八 零 三"},
    {"speaker": "agent", "start": 8.5, "end": 11.0, "text": "好的 我们 安排 师傅 上门 维修"},
]


EVENT_DEADLINE_S = 240.0  # a bound against hanging (under pytest-timeout's 300 s), not a speed check


@pytest.fixture
async def ctx(database_url: str, hotline_path: Path, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[ServiceContext]:
    monkeypatch.delenv("ASR_MODEL_PATH", raising=False)
    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path),
                              "CALLCENTER_DATABASE_URL": database_url,
                              "CALLCENTER_VAR_DIR": str(tmp_path / "var")})
    # No speech model here: jobs queue and wait for one, which is all this test looks at.
    settings = replace(settings, asr_model=str(tmp_path / "no-model"))
    engine = make_engine(database_url)
    context = ServiceContext(settings=settings, bus=EventBus(), engine=engine,
                             sessions=make_session_factory(engine), clock=FrozenClock(NOW))
    await context.bus.start()
    yield context
    await context.bus.stop()
    engine.dispose()


def committed_call(ctx: ServiceContext, linkedid: str, recordings: tuple[str, ...]) -> int:
    """A call as the writer commits it; the process dies before its CallStored goes out."""
    with unit_of_work(ctx.sessions) as s:
        call = Call(linkedid=linkedid, caller="13800138000", started_at=NOW - dt.timedelta(minutes=2),
                    ended_at=NOW - dt.timedelta(minutes=1), answered=True, hangup_first="caller",
                    recordings="\n".join(recordings) or None)
        s.add(call)
        s.flush()
        return call.id


def record(linkedid: str, recordings: tuple[str, ...]) -> CallRecord:
    start = (NOW - dt.timedelta(minutes=2)).timestamp()
    return CallRecord(linkedid=linkedid, server="pbx", caller="13800138000", caller_name=None,
                      direction="inbound", queue="service", agent="PJSIP/8101", member_name="李秀英",
                      started_at=start, queue_entered_at=start, answered_at=start + 5, ended_at=start + 60,
                      answered=True, abandoned=False, ring_seconds=5.0, rings=1, within_rule=True,
                      greeting="standard", wait_seconds=5.0, talk_seconds=55.0, hold_seconds=0.0,
                      hangup_first="caller", recordings=recordings)


def count(ctx: ServiceContext, model: Any, *where: Any) -> int:
    with unit_of_work(ctx.sessions) as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_a_call_stored_just_before_a_crash_gets_its_transcription_job_once(ctx: ServiceContext) -> None:
    sides = ("1796.7.wav", "1796.7-caller.wav", "1796.7-agent.wav")
    call_id = committed_call(ctx, "1796.7", sides)
    committed_call(ctx, "1796.8", ("1796.8.wav",))  # a mixed file only: no speaker, nothing to transcribe
    committed_call(ctx, "1796.9", ())  # not answered: no recording
    after_restart = SpeechComponent(ctx)
    await after_restart.start()
    try:
        assert count(ctx, TranscriptionJob, TranscriptionJob.call_id == call_id) == 1
        ctx.bus.publish(CallStored(call_id, record("1796.7", sides)))  # the message, late, and again
        ctx.bus.publish(CallStored(call_id, record("1796.7", sides)))
        await ctx.bus.drain()
    finally:
        await after_restart.stop()
    again = SpeechComponent(ctx)  # and one more start
    await again.start()
    await again.stop()
    assert count(ctx, TranscriptionJob) == 1  # only the call with per-side recordings, once
    with unit_of_work(ctx.sessions) as s:
        job = s.scalars(select(TranscriptionJob)).one()
        assert [r["speaker"] for r in job.recordings] == ["caller", "agent"]
        assert job.status == "queued"  # waiting for a model, not lost


async def test_a_transcript_stored_just_before_a_crash_gets_its_ticket_once(ctx: ServiceContext) -> None:
    call_id = committed_call(ctx, "1796.10", ("1796.10-caller.wav", "1796.10-agent.wav"))
    with unit_of_work(ctx.sessions) as s:  # the transcript's commit; TranscriptReady never goes out
        row = Transcript(call_id=call_id, turns=TURNS, model="vosk-model-small-cn-0.22", created_at=NOW)
        s.add(row)
        s.flush()
        transcript_id = row.id
    assert isinstance(ctx.clock, FrozenClock)
    ctx.clock.advance(tickets.MISSED_GRACE.total_seconds() + 1)
    changed: list[TicketChanged] = []
    announced = asyncio.Event()

    def seen(message: TicketChanged) -> None:
        changed.append(message)
        announced.set()

    ctx.bus.subscribe_sync(TicketChanged, seen)
    after_restart = tickets.build(ctx)
    await after_restart.start()
    try:
        # The look for missed transcripts runs at start, in its own task: wait for its ticket
        # (however loaded the machine is), then for anything else it might still announce.
        await asyncio.wait_for(announced.wait(), timeout=EVENT_DEADLINE_S)
        await ctx.bus.drain()
        assert [m.change for m in changed] == ["created"]
        ctx.bus.publish(TranscriptReady(call_id=call_id, transcript_id=transcript_id))  # late message
        await ctx.bus.drain()
        await ctx.bus.drain()
    finally:
        await after_restart.stop()
    assert count(ctx, Ticket) == 1
    assert count(ctx, TicketCall, TicketCall.call_id == call_id) == 1
    again = tickets.build(ctx)  # another start finds nothing left to do
    assert await asyncio.to_thread(again.missed_transcripts) == []
