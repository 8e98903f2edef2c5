"""Callback policies (R6-R9, R12, R18, R21): the right callback with the right due time for each
kind of call, ticket and message; pure functions, times given, no clock, no database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from callcenter.callbacks import policies
from callcenter.callbacks.calendar import next_opening, within_calling_hours
from callcenter.callbacks.policies import CallFacts, Cancel, Plan, PolicySettings, TicketFacts
from callcenter.hotline import load_hotline
from callcenter.messages import MessageLeft

SH = ZoneInfo("Asia/Shanghai")


def local(y: int, mo: int, d: int, h: int, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=SH).astimezone(dt.UTC)


@pytest.fixture
def cfg(hotline_path: Path) -> PolicySettings:
    return PolicySettings.from_hotline(load_hotline(hotline_path))


def call(**over: object) -> CallFacts:
    base: dict[str, object] = {"call_id": 7, "caller": "13800138000", "direction": "inbound",
                               "answered": False,
                                   "abandoned": True, "dropped": False,
                                   "ended_at": local(2026, 11, 25, 10, 0),
                                   "agent_id": None, "department": "service"}
    base.update(over)
    return CallFacts(**base)  # type: ignore[arg-type]


def ticket(**over: object) -> TicketFacts:
    base: dict[str, object] = {"id": 5, "category": "inquiry", "status": "open", "number": "13800138000",
                               "owner": "101",
                                   "department": "service", "visit_at": None,
                                   "call_ended_at": local(2026, 11, 25, 10, 0),
                                   "created_at": local(2026, 11, 25, 10, 3)}
    base.update(over)
    return TicketFacts(**base)  # type: ignore[arg-type]


def plans(decisions: list[policies.Decision]) -> list[Plan]:
    return [d for d in decisions if isinstance(d, Plan)]


def test_abandoned_call_is_called_back_within_ten_minutes(cfg: PolicySettings) -> None:
    [plan] = plans(policies.for_call(call(), cfg))
    assert (plan.reason, plan.due_at, plan.owner, plan.department) == (
        "abandoned", local(2026, 11, 25, 10, 10), None, "service")
    assert plan.one_per_caller


def test_abandoned_call_late_at_night_waits_for_calling_hours(cfg: PolicySettings) -> None:
    [plan] = plans(policies.for_call(call(ended_at=local(2026, 11, 25, 20, 55)), cfg))
    assert plan.due_at == local(2026, 11, 26, 8, 0)  # 21:05 is past calling_hours_end (21:00)


def test_r9_dropped_call_is_called_back_at_once_by_the_agent_who_was_on_it(cfg: PolicySettings) -> None:
    ended = local(2026, 11, 25, 15, 30)
    decisions = policies.for_call(call(answered=True, abandoned=False, dropped=True, ended_at=ended,
                                       agent_id="101"), cfg)
    [plan] = plans(decisions)
    assert (plan.reason, plan.due_at, plan.owner) == ("dropped", ended, "101")
    assert any(isinstance(d, Cancel) and d.reasons == ("abandoned",) for d in decisions)


def test_r9_a_call_dropped_after_calling_hours_is_called_back_when_they_open(cfg: PolicySettings) -> None:
    ended = local(2026, 11, 25, 22, 50)  # calling hours end at 21:00
    [plan] = plans(policies.for_call(call(answered=True, abandoned=False, dropped=True, ended_at=ended,
                                          agent_id="101"), cfg))
    assert (plan.reason, plan.due_at) == ("dropped", local(2026, 11, 26, 8, 0))


def test_an_answered_call_cancels_the_numbers_abandoned_callback_and_plans_nothing(
        cfg: PolicySettings) -> None:
    decisions = policies.for_call(call(answered=True, abandoned=False, agent_id="101"), cfg)
    assert decisions == [Cancel("the caller got through to an agent", ("abandoned",), caller="13800138000")]


def test_outbound_and_anonymous_calls_owe_no_callback(cfg: PolicySettings) -> None:
    assert policies.for_call(call(direction="outbound"), cfg) == []
    assert policies.for_call(call(caller=None), cfg) == []


def test_r6_unresolved_inquiry_is_due_thirty_minutes_after_the_call(cfg: PolicySettings) -> None:
    [plan] = plans(policies.for_ticket("created", ticket(), local(2026, 11, 25, 10, 5), cfg))
    assert (plan.reason, plan.due_at, plan.owner, plan.ticket_id) == (
        "inquiry_30min", local(2026, 11, 25, 10, 30), "101", 5)


def test_r6_inquiry_resolved_on_the_call_owes_no_callback(cfg: PolicySettings) -> None:
    assert plans(policies.for_ticket("created", ticket(status="done"), local(2026, 11, 25, 10, 5), cfg)) == []


def test_r7_complaint_gets_its_first_reply_within_48_hours(cfg: PolicySettings) -> None:
    [plan] = plans(policies.for_ticket("created", ticket(category="complaint"), local(2026, 11, 25, 10, 5),
                                       cfg))
    assert (plan.reason, plan.due_at) == ("complaint_48h", local(2026, 11, 27, 10, 0))


def test_r7_complaint_is_followed_up_until_its_ticket_is_closed(cfg: PolicySettings) -> None:
    now = local(2026, 11, 26, 15, 0)
    plan = policies.followup_after_reply("complaint_48h", ticket(category="complaint", status="in_progress"),
                                         1,
                                         now, cfg)
    assert plan is not None and plan.reason == "complaint_followup"
    assert plan.due_at == local(2026, 11, 27, 15, 0)
    assert policies.followup_after_reply("complaint_followup", ticket(category="complaint", status="closed"),
                                         2,
                                         now, cfg) is None
    assert policies.followup_after_reply("inquiry_30min", ticket(), 1, now, cfg) is None


def test_r8_repair_owner_is_reminded_before_the_promised_visit(cfg: PolicySettings) -> None:
    visit = local(2026, 11, 26, 14, 0)
    decisions = policies.for_ticket("created", ticket(category="repair", visit_at=visit, department="repair"),
                                    local(2026, 11, 25, 10, 5), cfg)
    [plan] = plans(decisions)
    assert (plan.reason, plan.due_at, plan.owner) == ("repair_reminder", local(2026, 11, 26, 13, 0), "101")
    [moved] = [d for d in decisions if isinstance(d, Cancel)]
    assert moved.keep_key == plan.dedupe_key  # a new visit time replaces the old reminder


def test_r8_a_visit_moved_gets_a_new_reminder_key(cfg: PolicySettings) -> None:
    now = local(2026, 11, 25, 10, 5)
    first = plans(policies.for_ticket("updated", ticket(category="repair", visit_at=local(2026, 11, 26, 14)),
                                      now, cfg))
    second = plans(policies.for_ticket("updated", ticket(category="repair", visit_at=local(2026, 11, 26, 16)),
                                       now, cfg))
    assert first[0].dedupe_key != second[0].dedupe_key and second[0].due_at == local(2026, 11, 26, 15, 0)


def test_r8_r21_repair_done_gets_a_follow_up_call(cfg: PolicySettings) -> None:
    now = local(2026, 11, 26, 16, 0)
    decisions = policies.for_ticket("done", ticket(category="repair", status="done"), now, cfg)
    [plan] = plans(decisions)
    assert (plan.reason, plan.due_at) == ("repair_followup", local(2026, 11, 26, 17, 0))
    assert any(isinstance(d, Cancel) and d.reasons == ("repair_reminder",) for d in decisions)


def test_a_closed_ticket_cancels_every_callback_it_still_owed(cfg: PolicySettings) -> None:
    [cancel] = policies.for_ticket("closed", ticket(status="closed"), local(2026, 11, 26, 9), cfg)
    assert isinstance(cancel, Cancel) and cancel.ticket_id == 5 and "complaint_followup" in cancel.reasons


def message(at: dt.datetime, reason: str = "after_hours") -> MessageLeft:
    return MessageLeft(linkedid="1795634553.8", caller="13800138000", reason=reason,  # type: ignore[arg-type]
                       department="repair", agent_id="201", recording=None, at=at.timestamp())


def test_r18_after_hours_message_is_called_back_when_the_centre_opens(cfg: PolicySettings) -> None:
    [plan] = plans(policies.for_message(message(local(2026, 11, 25, 22, 40)), cfg))
    assert (plan.reason, plan.due_at, plan.owner, plan.department) == (
        "message", local(2026, 11, 26, 8, 0), "201", "repair")


def test_r12_message_after_a_failed_transfer_is_called_back_at_once_when_open(cfg: PolicySettings) -> None:
    left = local(2026, 11, 25, 11, 0)
    [plan] = plans(policies.for_message(message(left, "transfer_failed"), cfg))
    assert plan.due_at == left and plan.owner == "201"


def test_no_answer_retries_at_the_interval_and_stops_after_the_limit(cfg: PolicySettings) -> None:
    now = local(2026, 11, 25, 10, 0)
    assert policies.retry_at(1, now, cfg) == local(2026, 11, 25, 10, 10)
    assert policies.retry_at(2, now, cfg) == local(2026, 11, 25, 10, 10)
    assert policies.retry_at(3, now, cfg) is None  # max_attempts = 3
    # none at night
    assert policies.retry_at(1, local(2026, 11, 25, 20, 55), cfg) == local(2026, 11, 26, 8, 0)


def test_overdue_complaint_reply_raises_its_own_alert(cfg: PolicySettings) -> None:
    assert policies.alert_kind("complaint_48h") == "complaint_overdue"
    assert policies.alert_kind("abandoned") == "callback_escalated"
    assert policies.escalation_due(local(2026, 11, 25, 10), cfg) == local(2026, 11, 25, 10, 30)


def test_calling_hours_and_opening_hours_follow_the_centre_time_zone(cfg: PolicySettings) -> None:
    assert within_calling_hours(local(2026, 11, 25, 7, 59), cfg.callbacks, SH) == local(2026, 11, 25, 8, 0)
    assert within_calling_hours(local(2026, 11, 25, 12), cfg.callbacks, SH) == local(2026, 11, 25, 12)
    weekdays = cfg.hours.model_copy(update={"days": [1, 2, 3, 4, 5]})
    saturday_night = local(2026, 11, 28, 21, 0)  # 2026-11-28 is a Saturday
    assert next_opening(saturday_night, weekdays, SH) == local(2026, 11, 30, 8, 0)
