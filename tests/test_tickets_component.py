"""The tickets component on the bus (C4 → C5): TranscriptReady → ticket, TicketChanged, and for an
emergency a SupervisorAlert at once (R19); a broken transcript is logged and the next goes on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from callcenter.bus import EventBus
from callcenter.clock import FrozenClock
from callcenter.config import load_settings
from callcenter.db.models.calls import Call
from callcenter.db.models.tickets import QualityFinding, Ticket
from callcenter.db.session import make_engine, make_session_factory, unit_of_work
from callcenter.messages import SupervisorAlert, TicketChanged, TranscriptReady
from callcenter.service import ServiceContext
from callcenter.tickets.component import build

speech = pytest.importorskip("callcenter.db.models.speech", reason="the speech area's transcripts table (C4)")
NOW = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)

GAS_TURNS = [
    {"speaker": "agent", "start": 0.0, "end": 3.0, "text": "喂 哪位"},
    {"speaker": "caller", "start": 3.5, "end": 9.0,
     "text": "物业 吗 我 家 厨房 有 很 重 的 燃气 味 我 叫 李 秀英 住 B 座 一 八 零 三"},
    {"speaker": "agent", "start": 9.5, "end": 14.0,
     "text": "请 您 马上 关闭 阀门 打开 窗户 人 先 出去 我们 马上 到"},
]


@pytest.fixture
async def context(database_url: str, hotline_path: Path) -> Any:
    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path),
                              "CALLCENTER_DATABASE_URL": database_url})
    engine = make_engine(database_url)
    bus = EventBus()
    ctx = ServiceContext(settings=settings, bus=bus, engine=engine, sessions=make_session_factory(engine),
                         clock=FrozenClock(NOW))
    await bus.start()
    yield ctx
    await bus.stop()
    engine.dispose()


def _stored(ctx: ServiceContext, turns: Any, greeting: str = "standard") -> tuple[int, int]:
    with unit_of_work(ctx.sessions) as s:
        call = Call(linkedid="1795634553.8", caller="13800138000", agent_id=None, started_at=NOW,
                    ended_at=NOW,
                    answered=True, greeting=greeting, within_rule=greeting == "standard",
                    hangup_first="caller")
        s.add(call)
        s.flush()
        row = speech.Transcript(call_id=call.id, turns=turns, model="vosk-model-small-cn-0.22",
                                created_at=NOW)
        s.add(row)
        s.flush()
        return call.id, row.id


async def test_emergency_transcript_makes_an_urgent_ticket_and_alerts_the_supervisor_r19(
        context: Any) -> None:
    seen: list[Any] = []
    context.bus.subscribe((TicketChanged, SupervisorAlert), seen.append, name="test")
    component = build(context)
    await component.start()
    call_id, transcript_id = _stored(context, GAS_TURNS, greeting="apology")
    context.bus.publish(TranscriptReady(call_id=call_id, transcript_id=transcript_id))
    await context.bus.drain()
    await context.bus.drain()  # the messages the component published in turn
    changed = [m for m in seen if isinstance(m, TicketChanged)]
    alerts = [m for m in seen if isinstance(m, SupervisorAlert)]
    assert [(m.change, m.category, m.urgent) for m in changed] == [("created", "repair", True)]
    assert len(alerts) == 1 and alerts[0].kind == "emergency" and alerts[0].ticket_id == changed[0].ticket_id
    # Chinese first, then English, before the summary; the danger named in words, never "gas".
    head, n = alerts[0].text.split("：", 1)[0], changed[0].ticket_id
    assert head == f"紧急工单 #{n}（燃气泄漏） / urgent ticket #{n} (gas leak)"
    with unit_of_work(context.sessions) as s:
        ticket = s.scalars(select(Ticket)).one()
        assert (ticket.caller_name, ticket.address, ticket.call_id) == ("李秀英", "B座1803", call_id)
        kinds = {(f.kind, f.detail, f.at_seconds) for f in s.scalars(select(QualityFinding))}
        assert ("forbidden_phrase", "喂哪位", 0.0) in kinds
        assert {k for k, _, _ in kinds} == {"greeting_missing", "apology_missing", "forbidden_phrase",
                                            "closing_missing"}
    await component.stop()


async def test_an_emergency_only_the_learned_signal_reads_alerts_as_suspected_in_words_r19(
        context: Any) -> None:
    """No cue rule names the danger (a gas pipe's hiss and smell in the caller's words): the ticket is
    urgent and the supervisor's alert says the model judged it, in both languages."""
    seen: list[Any] = []
    context.bus.subscribe((TicketChanged, SupervisorAlert), seen.append, name="test")
    component = build(context)
    await component.start()
    turns = [{"speaker": "agent", "start": 0.0, "end": 3.0, "text": "您好 物业 服务 中心"},
             {"speaker": "caller", "start": 3.5, "end": 9.0,
              "text": "你好 快 派 人 来 我 家 楼下 那个 管道井 里 呲呲 往外 冒 气 整 层 都 是 那个 臭 味 "
                      "我 头 都 晕 了"}]
    call_id, transcript_id = _stored(context, turns)
    context.bus.publish(TranscriptReady(call_id=call_id, transcript_id=transcript_id))
    await context.bus.drain()
    await context.bus.drain()
    changed = [m for m in seen if isinstance(m, TicketChanged)]
    alerts = [m for m in seen if isinstance(m, SupervisorAlert)]
    assert [m.urgent for m in changed] == [True] and len(alerts) == 1
    head, n = alerts[0].text.split("：", 1)[0], changed[0].ticket_id
    assert head == (f"紧急工单 #{n}（模型判断疑似紧急） / "
                    f"urgent ticket #{n} (suspected emergency, judged by the model)")
    await component.stop()


async def test_a_broken_transcript_is_skipped_and_the_next_one_is_handled(context: Any) -> None:
    seen: list[Any] = []
    context.bus.subscribe(TicketChanged, seen.append, name="test")
    component = build(context)
    await component.start()
    bad_call, bad_transcript = _stored(context, [{"speaker": "robot", "text": "?"}])
    context.bus.publish(TranscriptReady(call_id=bad_call, transcript_id=bad_transcript))
    context.bus.publish(TranscriptReady(call_id=bad_call, transcript_id=99999))
    with unit_of_work(context.sessions) as s:
        s.add(speech.Transcript(call_id=bad_call, turns=GAS_TURNS, model="m", created_at=NOW))
    context.bus.publish(TranscriptReady(call_id=bad_call, transcript_id=bad_transcript + 1))
    await context.bus.drain()
    await context.bus.drain()
    assert [m.change for m in seen] == ["created"]
    await component.stop()


async def test_the_service_starts_and_stops_the_tickets_component(database_url: str,
                                                                  hotline_path: Path) -> None:
    from callcenter.service import COMPONENTS, Service

    assert "callcenter.tickets.component:build" in COMPONENTS
    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path),
                              "CALLCENTER_DATABASE_URL": database_url})
    service = Service(settings, clock=FrozenClock(NOW), factories=["callcenter.tickets.component:build"])
    await service.start()
    assert service.started == ["tickets"]
    await service.stop()
    assert service.started == []


async def test_r19_named_while_the_call_is_up_opens_the_urgent_ticket_at_once_and_the_transcript_joins_it(
        context: Any) -> None:
    """Issue 17: the live alert's urgent ticket is the call's ticket; the after-call transcript
    merges into it (no second ticket, no second alert) and fills what the live words did not
    give: the caller's name and address (R4)."""
    from callcenter.calls.model import CallRecord
    from callcenter.messages import CallStored, LiveEmergency

    seen: list[Any] = []
    context.bus.subscribe((TicketChanged, SupervisorAlert), seen.append, name="test")
    component = build(context)
    await component.start()
    context.bus.publish(LiveEmergency("1795634553.8", "13800138000", "101", "燃气泄漏",
                                      "我 家 厨房 有 很 重 的 燃气 味", 0.0))
    await context.bus.drain()
    await context.bus.drain()
    opened = [m for m in seen if isinstance(m, TicketChanged)]
    assert [(m.change, m.category, m.urgent, m.owner) for m in opened] == [("created", "repair", True, "101")]
    alert = next(m for m in seen if isinstance(m, SupervisorAlert))
    assert (alert.kind, alert.ticket_id, alert.linkedid) == ("emergency", opened[0].ticket_id, "1795634553.8")
    n = alert.ticket_id
    assert alert.text.startswith(f"紧急工单 #{n}（燃气泄漏） / urgent ticket #{n} (gas leak)：")
    call_id, transcript_id = _stored(context, GAS_TURNS)
    record = CallRecord(linkedid="1795634553.8", server="pbx", caller="13800138000", caller_name=None,
                        direction="inbound", queue="service", agent="PJSIP/8101", member_name=None,
                        started_at=0.0, queue_entered_at=None, answered_at=1.0, ended_at=60.0, answered=True,
                        abandoned=False, ring_seconds=3.0, rings=1, within_rule=True, greeting="standard",
                        wait_seconds=3.0, talk_seconds=59.0, hold_seconds=0.0, hangup_first="caller")
    context.bus.publish(CallStored(call_id=call_id, record=record))
    context.bus.publish(TranscriptReady(call_id=call_id, transcript_id=transcript_id))
    await context.bus.drain()
    await context.bus.drain()
    with unit_of_work(context.sessions) as s:
        tickets = s.scalars(select(Ticket)).all()
        assert len(tickets) == 1 and tickets[0].urgent and tickets[0].id == opened[0].ticket_id
        assert call_id in [c.call_id for c in tickets[0].calls]
        # the live words gave neither; the transcript did ("我 叫 李 秀英 住 B 座 一 八 零 三")
        assert (tickets[0].caller_name, tickets[0].address) == ("李秀英", "B座1803")
        assert not {"caller_name", "address"} & set(tickets[0].missing_fields or [])
    assert len([m for m in seen if isinstance(m, SupervisorAlert)]) == 1
    assert [m.change for m in seen if isinstance(m, TicketChanged)] == ["created", "merged"]
