"""Pure IVR decisions: menu steps, gates (R18, blocked), owner routing (R14), the answer
announcement (R2, R3), opening hours in the centre's zone, and bad hotline files."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest

from callcenter.errors import ConfigError
from callcenter.hotline import Hotline, load_hotline, parse_hotline
from callcenter.ivr import greeting, hours, routing
from callcenter.messages import AgentStateChanged


def test_menu_steps_follow_the_hotline_file(hotline: Hotline) -> None:
    assert routing.menu_step(hotline, "1", 1) == routing.MenuStep("repair", invalid=False)
    # default department
    assert routing.menu_step(hotline, None, 1) == routing.MenuStep("service", invalid=False)
    assert routing.menu_step(hotline, "9", 1) == routing.MenuStep(None, invalid=True)
    assert routing.menu_step(hotline, "9", 3) == routing.MenuStep("service", invalid=True)  # max_attempts = 3


def test_no_default_department_asks_again_on_silence(hotline: Hotline) -> None:
    quiet = hotline.model_copy(update={"menu": hotline.menu.model_copy(update={"default_department": None})})
    assert routing.menu_step(quiet, None, 1) == routing.MenuStep(None, invalid=False)
    assert routing.menu_step(quiet, None, 3).department == "service"  # the first department at last


def test_gate_refuses_blocked_numbers_before_hours(hotline: Hotline) -> None:
    blocked = hotline.model_copy(update={"blocked_numbers": ["139 9999 0000"]})
    assert routing.gate(blocked, "13999990000", open_now=False) == routing.Route("blocked")
    assert routing.gate(blocked, "13800138000", open_now=False).route == "after_hours"  # type: ignore[union-attr]
    assert routing.gate(blocked, "13800138000", open_now=True) is None
    assert routing.normalise_number("unknown") is None


def test_owner_route_needs_a_free_owner_r14(hotline: Hotline) -> None:
    assert routing.owner_route(hotline, "201", owner_free=False, caller_name=None) is None
    route = routing.owner_route(hotline, "201", owner_free=True, caller_name="陈女士")
    assert route == routing.Route("extension", "8201", "repair", "repair", "陈女士", "201")
    assert routing.owner_route(hotline, "999", owner_free=True, caller_name=None) is None  # left the centre


def test_caller_name_cannot_break_the_dialplan_r15() -> None:
    route = routing.Route("queue", "service", caller_name='王先生, (VIP) ${EXTEN}"')
    assert route.variables()["CC_CALLER_NAME"] == "王先生 VIP EXTEN"


def test_presence_tracks_the_latest_state_by_interface(hotline: Hotline) -> None:
    presence = routing.AgentPresence(hotline)
    assert not presence.is_free("101")  # never heard of: not free
    presence.on_state(AgentStateChanged("PJSIP/8101", None, "available", False, None, "service", 1.0))
    assert presence.is_free("101")
    presence.on_state(AgentStateChanged("PJSIP/8101", "101", "available", True, "lunch", "service", 2.0))
    assert not presence.is_free("101")  # paused


def test_answer_announcement_r2_r3(hotline: Hotline) -> None:
    agent = greeting.agent_for_member(hotline, "PJSIP/8103", None)
    assert greeting.announcement(agent, "standard").prompt == "agent_103"
    assert greeting.announcement(agent, "apology").prompt == "agent_103_apology"
    assert greeting.announcement(agent, None).decided_by == "default"
    by_name = greeting.agent_for_member(hotline, "Local/x@agents", "301 赵静")
    assert by_name is not None and by_name.id == "301"
    assert greeting.announcement(greeting.agent_for_member(hotline, "Local/agent1@agents", "Agent 1"),
                                 "apology").prompt == "agent_apology"


def test_opening_hours_use_the_centre_time_zone_r18(hotline: Hotline) -> None:
    # 01:30 UTC is 09:30 in Shanghai (open); 13:00 UTC is 21:00 there (closed).
    assert hours.is_open(hotline, dt.datetime(2026, 11, 25, 1, 30, tzinfo=dt.UTC))
    assert not hours.is_open(hotline, dt.datetime(2026, 11, 25, 13, 0, tzinfo=dt.UTC))
    weekdays = hotline.model_copy(
        update={"hours": hotline.hours.model_copy(update={"days": [1, 2, 3, 4, 5]})})
    assert not hours.is_open(weekdays, dt.datetime(2026, 11, 29, 2, 0, tzinfo=dt.UTC))  # a Sunday


def test_unknown_time_zone_is_named(hotline: Hotline) -> None:
    odd = hotline.model_copy(
        update={"centre": hotline.centre.model_copy(update={"timezone": "Mars/Olympus"})})
    with pytest.raises(ConfigError, match=r"centre\.timezone.*Mars/Olympus"):
        hours.is_open(odd, dt.datetime(2026, 11, 25, 1, 30, tzinfo=dt.UTC))


def _example(hotline_path: Path) -> dict:
    return tomllib.loads(hotline_path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["menu"]["options"].append({"key": "5", "label": "x", "department": "garden"}),
         "unknown department 'garden'"),
        (lambda d: d["menu"].update(default_department="nowhere"), "menu.default_department 'nowhere'"),
        (lambda d: d["menu"].update(timeout_seconds=0), r"menu\.timeout_seconds"),
        (lambda d: d["menu"]["options"].append({"key": "55", "label": "x", "department": "service"}),
         r"menu\.options\[5\]\.key"),
        (lambda d: d["departments"][1]["agents"].append("777"), "lists unknown agent '777'"),
        (lambda d: d["agents"][1].update(extension="8101"), "extension '8101' is used twice"),
        (lambda d: d["agents"][0].update(id="A1"), r"agents\[0\]\.id"),
        (lambda d: d["hours"].update(open=dt.time(21, 0)), "open .* must be before close"),
        (lambda d: d["departments"][0].update(queue="Bad Queue"), r"departments\[0\]\.queue"),
        (lambda d: d["prompts"].update(greting="typo"), r"prompts\.greting"),
    ],
)
def test_bad_hotline_file_is_rejected_naming_the_problem(hotline_path: Path, change, message: str) -> None:
    data = _example(hotline_path)
    change(data)
    with pytest.raises(ConfigError, match=message):
        parse_hotline(data)


def test_hotline_file_that_is_not_toml_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "hotline.toml"
    bad.write_text("[centre\nname = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"hotline\.toml is not valid TOML"):
        load_hotline(bad)
