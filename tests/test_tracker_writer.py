"""The writer stores finished calls, their legs, holds and raw events (SQLite and PostgreSQL),
maps member interfaces PJSIP/<extension> to hotline agents (C1), never stores a call twice and
announces each call only after its commit."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sqlalchemy import func, select

from callcenter.calls.component import agent_rows
from callcenter.calls.model import CallRecord
from callcenter.calls.replay import read_chunks
from callcenter.calls.tracker import CallTracker, Journal
from callcenter.db.models.calls import Agent, Call, CallEvent, CallHold, CallLeg
from callcenter.db.session import make_engine, make_session_factory
from callcenter.hotline import load_hotline
from callcenter.store.spool import Spool
from callcenter.store.writer import CallWriter


def replayed(traces_dir: Path, name: str) -> list[tuple[CallRecord, Journal]]:
    from callcenter.ami.framing import AmiFramer
    from callcenter.calls.ingest import ingest

    out: list[tuple[CallRecord, Journal]] = []
    tracker = CallTracker(on_finished=lambda record, journal: out.append((record, journal)))
    framer = AmiFramer()
    for chunk in read_chunks(traces_dir / f"{name}.ami"):
        for message in framer.feed(chunk):
            ingest(tracker, message, 0.0)
    return out


def test_finished_calls_are_stored_with_legs_holds_and_journal(database_url: str, traces_dir: Path,
                                                                hotline_path: Path, tmp_path: Path) -> None:
    engine = make_engine(database_url)
    try:
        stored: list[tuple[int, CallRecord]] = []
        writer = CallWriter(make_session_factory(engine), Spool(tmp_path / "spool", 1 << 30),
                            agent_rows(load_hotline(hotline_path)),
                            on_stored=lambda call_id, record: stored.append((call_id, record)))
        writer.start()
        calls = replayed(traces_dir, "rollover") + replayed(traces_dir,
                                                            "sip_hold") + replayed(traces_dir,
                                                                                   "two_concurrent")
        for record, journal in calls:
            writer.submit(record, journal)
        writer.submit(*calls[0])  # the same call again (a resync, a second replay): not doubled
        writer.flush()
        writer.stop()
        assert len(stored) == 4
        with make_session_factory(engine)() as session:
            rollover = session.scalars(select(Call).where(Call.linkedid == calls[0][0].linkedid)).one()
            assert stored[0][0] == rollover.id
            # R2, R13
            assert (rollover.answered, rollover.attempts, rollover.greeting) == (True, 2, "apology")
            assert [leg.outcome for leg in rollover.legs] == ["no_answer", "answered"]
            assert rollover.agent_interface == "Local/agent2@agents" and rollover.agent_id is None  # C1
            assert abs(rollover.ring_seconds - 21.008) < 0.01 and rollover.hangup_first == "caller"
            assert rollover.started_at.tzinfo is not None
            hold = session.scalars(select(CallHold)).one()  # R11, sip_hold
            assert abs(hold.seconds - 5.008) < 0.01
            assert session.scalar(select(func.count()).select_from(Call)) == 4
            journal_rows = session.scalar(select(func.count()).select_from(CallEvent)
                                          .where(CallEvent.linkedid == rollover.linkedid))
            assert journal_rows == len(calls[0][1]) > 40  # every message the tracker read for the call
            names = set(session.scalars(select(CallEvent.name)
                                        .where(CallEvent.linkedid == rollover.linkedid)))
            assert {"AgentCalled", "DialEnd", "AgentRingNoAnswer", "AgentConnect", "Hangup"} <= names
            raws = session.scalars(select(CallEvent.raw).where(CallEvent.name == "AgentRingNoAnswer")).all()
            assert any("RingTime: 15000" in raw for raw in raws)  # the message as received
    finally:
        engine.dispose()


def test_pjsip_member_maps_to_the_hotline_agent_and_its_row(database_url: str, traces_dir: Path,
                                                             hotline_path: Path, tmp_path: Path) -> None:
    (record, journal), = replayed(traces_dir, "answered_fast")
    legs = tuple(dataclasses.replace(leg, agent="PJSIP/8101",
                                     channel="PJSIP/8101-00000001") for leg in record.legs)
    record = dataclasses.replace(record, agent="PJSIP/8101", legs=legs)
    engine = make_engine(database_url)
    try:
        writer = CallWriter(make_session_factory(engine), Spool(tmp_path / "spool", 1 << 30),
                            agent_rows(load_hotline(hotline_path)))
        writer.start()
        writer.submit(record, journal)
        writer.stop()
        with make_session_factory(engine)() as session:
            call = session.scalars(select(Call)).one()
            assert call.agent_id == "101" and call.legs[0].agent_id == "101"
            agent = session.get(Agent, "101")
            assert agent is not None and agent.extension == "8101" and agent.interface == "PJSIP/8101"
            assert session.scalar(select(func.count()).select_from(CallLeg)) == 1
    finally:
        engine.dispose()
