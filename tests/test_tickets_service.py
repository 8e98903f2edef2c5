"""The ticket service on SQLite and PostgreSQL (C5): a call's transcript becomes a ticket owned by
the agent who answered (R14) with its department and SLA due time (R6-R8, R19); a second call about
the same open matter is attached, not duplicated; ownership moves only with a reason, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from callcenter.db.models.calls import Call
from callcenter.db.models.tickets import QualityFinding, Ticket
from callcenter.db.session import unit_of_work
from callcenter.hotline import Hotline
from callcenter.tickets import service
from callcenter.tickets.history import open_ticket_owner
from callcenter.tickets.intake import CallFacts, ingest
from callcenter.tickets.service import TicketError
from callcenter.tickets.transcript import Turn

NOW = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)  # 10:00 Asia/Shanghai
CALLER = "13900001111"

LEAK = [Turn("agent", "您好 深科 物业 服务 中心 工号 一 零 一 很 高兴 为 您 服务"),
        Turn("caller", "你好 我 叫 王 建国 住 三 栋 二 单元 五 零 一 厨房 水管 漏水 了"),
        Turn("agent", "好 的 您 看 什么 时候 方便 师傅 上门"),
        Turn("caller", "明天 下午 三 点 吧"),
        Turn("agent", "好 的 感谢 您 的 来电 再见")]
REPEAT = [Turn("agent", "您好 深科 物业 服务 中心 工号 一 零 二 很 高兴 为 您 服务"),
          Turn("caller", "我 上次 报 的 厨房 漏水 怎么 还 没 人 来 电话 一 三 九 零 零 零 一 一 一 一 一"),
          Turn("agent", "不知道 您 方便 吗 我 马上 催 一下 再见")]
GAS = [Turn("agent", "您好 深科 物业 服务 中心"),
       Turn("caller", "楼道 里 一股 煤气 味 很 冲 我 在 五 幢 三 零 二"),
       Turn("agent", "请 您 马上 开窗 再见")]


def _call(s: Session, linkedid: str, agent: str | None = None, greeting: str = "standard") -> int:
    call = Call(linkedid=linkedid, caller=CALLER, started_at=NOW, ended_at=NOW, answered=True,
                greeting=greeting,
                within_rule=greeting == "standard", hangup_first="caller")
    s.add(call)
    s.flush()
    return call.id


def test_transcript_becomes_a_ticket_owned_by_the_answering_agent_r4_r14(
        sessions: sessionmaker[Session], hotline: Hotline) -> None:
    with unit_of_work(sessions) as s:
        call_id = _call(s, "c1")
        result = ingest(s, hotline, LEAK, CallFacts(call_id, CALLER, "101", False), NOW)
    assert result.change == "created"
    with unit_of_work(sessions) as s:
        ticket = s.scalars(select(Ticket)).one()
        assert (ticket.category, ticket.owner, ticket.department) == ("repair", "101", "repair")
        assert (ticket.caller_name, ticket.address,
                ticket.preferred_time) == ("王建国", "3栋2单元501", "明天下午三点")
        assert ticket.phone == CALLER  # none spoken: the caller ID is the contact number (R4)
        assert ticket.missing_fields == []
        # R8: the promised visit (tomorrow 15:00 Shanghai) is the due time
        assert ticket.visit_at == dt.datetime(2026, 11, 26, 7, 0, tzinfo=dt.UTC) == ticket.due_at
        assert open_ticket_owner(s, CALLER) == "101"


def test_second_call_about_the_open_matter_is_attached_not_duplicated_r14(
        sessions: sessionmaker[Session], hotline: Hotline) -> None:
    with unit_of_work(sessions) as s:
        first = ingest(s, hotline, LEAK, CallFacts(_call(s, "c1"), CALLER, "101", False), NOW)
    later = NOW + dt.timedelta(hours=3)
    with unit_of_work(sessions) as s:
        second = ingest(s, hotline, REPEAT, CallFacts(_call(s, "c2"), CALLER, "102", False), later)
    assert second.change == "attached" and second.ticket.id == first.ticket.id
    with unit_of_work(sessions) as s:
        ticket = s.scalars(select(Ticket)).one()
        assert ticket.owner == "101"  # R14: still the first taker
        assert [c.agent_id for c in ticket.calls] == ["101", "102"]
        assert ticket.phone == CALLER


def test_the_same_transcript_twice_does_not_duplicate_ticket_or_findings(
        sessions: sessionmaker[Session], hotline: Hotline) -> None:
    with unit_of_work(sessions) as s:
        call_id = _call(s, "c1", greeting="apology")
        ingest(s, hotline, REPEAT, CallFacts(call_id, CALLER, "102", True), NOW)
    with unit_of_work(sessions) as s:
        ingest(s, hotline, REPEAT, CallFacts(call_id, CALLER, "102", True), NOW)
    with unit_of_work(sessions) as s:
        assert len(s.scalars(select(Ticket)).all()) == 1
        kinds = sorted(f.kind for f in s.scalars(select(QualityFinding)))
        assert kinds == ["apology_missing"]  # the polite 不知道您方便吗 is not a finding


def test_emergency_gets_the_short_due_time_and_a_different_matter_a_new_ticket_r19(
        sessions: sessionmaker[Session], hotline: Hotline) -> None:
    with unit_of_work(sessions) as s:
        ingest(s, hotline, LEAK, CallFacts(_call(s, "c1"), CALLER, "101", False), NOW)
    with unit_of_work(sessions) as s:
        gas = ingest(s, hotline, GAS, CallFacts(_call(s, "c2"), CALLER, "103", False), NOW)
    assert gas.change == "created" and gas.became_urgent
    with unit_of_work(sessions) as s:
        ticket = s.get(Ticket, gas.ticket.id)
        assert ticket is not None and ticket.urgent and ticket.address == "5幢302"
        assert ticket.due_at == NOW + dt.timedelta(minutes=hotline.sla.urgent_repair_minutes)
        assert len(s.scalars(select(Ticket)).all()) == 2


def test_ownership_moves_only_with_a_reason_and_is_audited_r14(
        sessions: sessionmaker[Session], hotline: Hotline) -> None:
    with unit_of_work(sessions) as s:
        ticket = service.create(s, hotline, NOW, category="complaint", caller=CALLER, owner="101")
        ticket_id = ticket.id
        assert ticket.department == "service"
        assert ticket.due_at == NOW + dt.timedelta(hours=48)  # R7
    with unit_of_work(sessions) as s, pytest.raises(TicketError, match="reason"):
        service.transfer_ownership(s, ticket_id, "102", reason="  ", by="101", now=NOW)
    with unit_of_work(sessions) as s:
        service.transfer_ownership(s, ticket_id, "102", reason="休假，交接给王磊", by="900", now=NOW)
    with unit_of_work(sessions) as s:
        ticket = service.get(s, ticket_id)
        assert ticket.owner == "102"
        assert [(c.from_owner, c.to_owner, c.reason, c.by) for c in ticket.owner_changes] == [
            ("101", "102", "休假，交接给王磊", "900")]


def test_ticket_lifecycle_fields_department_promise_done_close_r8_r21(
        sessions: sessionmaker[Session], hotline: Hotline) -> None:
    with unit_of_work(sessions) as s:
        ticket = service.create(s, hotline, NOW, category="repair", caller=CALLER, owner="201",
                                missing_fields=["address", "preferred_time"])
        ticket_id = ticket.id
    visit = NOW + dt.timedelta(days=1)
    with unit_of_work(sessions) as s:
        service.update_fields(s, ticket_id, NOW, address="12号楼102")
        service.set_promised_time(s, hotline, ticket_id, visit, NOW, preferred_time="明天上午十点")
        service.assign_department(s, hotline, ticket_id, "repair", NOW)
        with pytest.raises(TicketError, match="not in the hotline"):
            service.assign_department(s, hotline, ticket_id, "nowhere", NOW)
        with pytest.raises(TicketError, match="not editable"):
            service.update_fields(s, ticket_id, NOW, owner="999")  # R14: owners change by transfer only
    with unit_of_work(sessions) as s:
        ticket = service.get(s, ticket_id)
        assert ticket.missing_fields == [] and ticket.due_at == visit
        service.mark_done(s, ticket_id, NOW, outcome="已更换水管")
        with pytest.raises(TicketError, match="1 to 5"):
            service.close(s, ticket_id, NOW, outcome="回访满意", satisfaction=6)
        service.close(s, ticket_id, NOW, outcome="回访满意", satisfaction=5)
    with unit_of_work(sessions) as s:
        ticket = service.get(s, ticket_id)
        assert (ticket.status, ticket.satisfaction, ticket.outcome) == ("closed", 5, "回访满意")
        assert open_ticket_owner(s, CALLER) is None
        with pytest.raises(TicketError, match="already closed"):
            service.close(s, ticket_id, NOW, outcome="again")
        with pytest.raises(TicketError, match="does not exist"):
            service.get(s, 9999)
