"""Tickets opened at the desk for a call (R4, R14, R15), on SQLite and PostgreSQL: prefilled from
the caller's history, keyed to the call's Linkedid before the call is stored (one call, one
ticket), and the transcript's draft merged into it later: what is empty filled, what differs kept
beside the agent's words, a replayed draft never a second ticket."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from callcenter.db.models.calls import Call
from callcenter.db.models.tickets import Ticket, TicketCall
from callcenter.db.session import unit_of_work
from callcenter.hotline import Hotline
from callcenter.tickets import manual
from callcenter.tickets.intake import CallFacts, ingest
from callcenter.tickets.service import TicketError
from callcenter.tickets.transcript import Turn
from tests.test_tickets_service import GAS, LEAK

NOW = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)  # 10:00 Asia/Shanghai
CALLER = "13900001111"
SERVER = "pbx"


def desk_call(linkedid: str = "1764000000.1", queue: str | None = "service", agent: str = "101",
              caller: str = CALLER) -> manual.DeskCall:
    return manual.DeskCall(SERVER, linkedid, caller, agent, queue)


def store_call(s: Session, linkedid: str, agent: str = "101") -> CallFacts:
    """The call as the writer stores it after the hang-up, and its facts as the tickets area reads
    them when the transcript is ready."""
    call = Call(server=SERVER, linkedid=linkedid, caller=CALLER, started_at=NOW, ended_at=NOW,
                answered=True, greeting="standard", within_rule=True, hangup_first="caller", agent_id=None)
    s.add(call)
    s.flush()
    return CallFacts(call.id, CALLER, agent, False, server=SERVER, linkedid=linkedid)


def test_a_ticket_opened_during_a_call_is_prefilled_from_the_callers_history_r15(
        sessions: sessionmaker[Session], hotline: Hotline) -> None:
    with unit_of_work(sessions) as s:  # an earlier matter of the caller's, still open
        s.add(Ticket(caller=CALLER, caller_name="王建国", address="3栋2单元501", category="repair",
                     summary="厨房漏水", owner="102", status="open", created_at=NOW - dt.timedelta(days=2)))
    with unit_of_work(sessions) as s:
        ticket, created = manual.open_for_call(s, hotline, desk_call(queue="repair"), NOW)
        ticket_id = ticket.id
    assert created
    with unit_of_work(sessions) as s:
        stored = s.get(Ticket, ticket_id)
        assert stored is not None
        ticket = stored
        assert (ticket.caller_name, ticket.address, ticket.phone, ticket.caller) == (
            "王建国", "3栋2单元501", CALLER, CALLER)
        # R14: the agent who took the call owns it; the repair queue's only kind of matter and department
        assert (ticket.owner, ticket.category, ticket.department, ticket.status) == (
            "101", "repair", "repair", "open")
        assert ticket.missing_fields == ["summary", "preferred_time"]  # R4: what is still to write
        assert [(c.server, c.linkedid, c.call_id) for c in ticket.calls] == [(SERVER, "1764000000.1", None)]


def test_opening_the_same_calls_ticket_again_gives_the_same_ticket(
        sessions: sessionmaker[Session], hotline: Hotline) -> None:
    with unit_of_work(sessions) as s:
        first, _ = manual.open_for_call(s, hotline, desk_call(), NOW)
    with unit_of_work(sessions) as s:
        again, created = manual.open_for_call(s, hotline, desk_call(), NOW + dt.timedelta(minutes=1))
    assert not created and again.id == first.id
    with unit_of_work(sessions) as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1
        other, created = manual.open_for_call(s, hotline, desk_call("1764000000.9"), NOW)
        assert created and other.id != first.id


def test_one_call_one_ticket_is_kept_by_the_database_too(
        sessions: sessionmaker[Session], hotline: Hotline, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two requests racing past the look-up: the key is unique, so the second gets the first's."""
    with unit_of_work(sessions) as s:
        first, _ = manual.open_for_call(s, hotline, desk_call(), NOW)
    looked_up = manual.ticket_for_call
    calls = []

    def late_look_up(*args: object) -> Ticket | None:  # the race: the first look-up saw nothing yet
        calls.append(args)
        return None if len(calls) == 1 else looked_up(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(manual, "ticket_for_call", late_look_up)
    with unit_of_work(sessions) as s:
        second, created = manual.open_for_call(s, hotline, desk_call(), NOW)
    assert not created and second.id == first.id and len(calls) == 2
    with unit_of_work(sessions) as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1
        assert s.scalar(select(func.count()).select_from(TicketCall)) == 1


def test_the_draft_merges_into_the_desks_ticket_filling_the_empty_and_flagging_what_differs_r4(
        sessions: sessionmaker[Session], hotline: Hotline) -> None:
    with unit_of_work(sessions) as s:
        ticket, _ = manual.open_for_call(s, hotline, desk_call(queue="service"), NOW)
        ticket_id = ticket.id
        # What the agent wrote while the caller was on the line: a name heard differently, the matter
        ticket.caller_name, ticket.summary = "王建军", "厨房水管漏水，请师傅上门"
    with unit_of_work(sessions) as s:
        result = ingest(s, hotline, LEAK, store_call(s, "1764000000.1"), NOW + dt.timedelta(minutes=5))
    assert (result.change, result.ticket.id) == ("merged", ticket_id)
    with unit_of_work(sessions) as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1  # no second ticket
        merged = s.get(Ticket, ticket_id)
        assert merged is not None
        # filled: the address, the kind of matter (the service queue does not tell), the visit time
        assert (merged.address, merged.category, merged.preferred_time) == (
            "3栋2单元501", "repair", "明天下午三点")
        assert merged.visit_at == dt.datetime(2026, 11, 26, 7, 0, tzinfo=dt.UTC)
        # kept: the agent's words, with what the draft heard beside them
        assert merged.caller_name == "王建军" and merged.summary == "厨房水管漏水，请师傅上门"
        differences = {d["field"]: (d["ticket"], d["draft"]) for d in merged.draft_differences or []}
        assert set(differences) == {"caller_name", "summary"}
        assert differences["caller_name"] == ("王建军", "王建国")
        assert merged.call_id == result.ticket.call_id is not None  # the stored call joins its key
        assert merged.missing_fields == []


def test_a_replayed_draft_never_makes_a_second_ticket(sessions: sessionmaker[Session],
                                                      hotline: Hotline) -> None:
    with unit_of_work(sessions) as s:
        opened, _ = manual.open_for_call(s, hotline, desk_call(), NOW)
    with unit_of_work(sessions) as s:
        facts = store_call(s, "1764000000.1")
        ingest(s, hotline, LEAK, facts, NOW)
    for _ in range(2):
        with unit_of_work(sessions) as s:
            again = ingest(s, hotline, LEAK, facts, NOW)
            assert again.ticket.id == opened.id
    with unit_of_work(sessions) as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1
        assert s.scalar(select(func.count()).select_from(TicketCall)) == 1


def test_an_emergency_the_draft_hears_makes_the_desks_ticket_urgent_r19(
        sessions: sessionmaker[Session], hotline: Hotline) -> None:
    with unit_of_work(sessions) as s:
        opened, _ = manual.open_for_call(s, hotline, desk_call(queue="repair"), NOW)
    with unit_of_work(sessions) as s:
        result = ingest(s, hotline, GAS, store_call(s, "1764000000.1"), NOW)
        assert result.became_urgent and result.ticket.id == opened.id
        assert result.ticket.urgent
        assert result.ticket.due_at == NOW + dt.timedelta(minutes=hotline.sla.urgent_repair_minutes)
        assert {"field": "urgent", "ticket": False, "draft": True} in (result.ticket.draft_differences or [])


def test_the_agent_decides_each_difference(sessions: sessionmaker[Session], hotline: Hotline) -> None:
    with unit_of_work(sessions) as s:
        ticket, _ = manual.open_for_call(s, hotline, desk_call(), NOW)
        ticket.caller_name, ticket.summary, ticket_id = "王建军", "厨房漏水", ticket.id
    with unit_of_work(sessions) as s:
        ingest(s, hotline, LEAK, store_call(s, "1764000000.1"), NOW)
    with unit_of_work(sessions) as s:
        adopted = manual.settle_difference(s, hotline, ticket_id, "caller_name", True, NOW)
        assert adopted.caller_name == "王建国"
        kept = manual.settle_difference(s, hotline, ticket_id, "summary", False, NOW)
        assert kept.summary == "厨房漏水" and kept.draft_differences is None
    with unit_of_work(sessions) as s, pytest.raises(TicketError, match="没有差异"):
        manual.settle_difference(s, hotline, ticket_id, "summary", True, NOW)


def test_a_call_about_an_open_matter_joins_it_not_a_second_ticket_r14(
        sessions: sessionmaker[Session], hotline: Hotline) -> None:
    with unit_of_work(sessions) as s:
        matter = Ticket(caller=CALLER, caller_name="王建国", category="repair", summary="厨房漏水",
                        owner="101", status="open", created_at=NOW)
        stranger = Ticket(caller="13800000000", category="inquiry", summary="问停车", owner="101",
                          status="open", created_at=NOW)
        s.add_all([matter, stranger])
        s.flush()
        matter_id, stranger_id = matter.id, stranger.id
    with unit_of_work(sessions) as s, pytest.raises(TicketError, match="不是这位来电人"):
        manual.open_for_call(s, hotline, desk_call(), NOW, matter=stranger_id)
    with unit_of_work(sessions) as s:
        joined, created = manual.open_for_call(s, hotline, desk_call(agent="102"), NOW, matter=matter_id)
        assert not created and joined.id == matter_id and joined.owner == "101"  # R14: still the first taker
    with unit_of_work(sessions) as s:
        result = ingest(s, hotline, [Turn("caller", "上次 报 的 厨房 漏水 还 没 修")],
                        store_call(s, "1764000000.1", agent="102"), NOW)
        assert result.ticket.id == matter_id
        assert s.scalar(select(func.count()).select_from(Ticket)) == 2
