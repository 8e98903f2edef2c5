"""pbxsim's phones register and unregister as chan_pjsip's do on Asterisk 20.20.1, and app_queue
skips a member whose phone is not registered (Unavailable, Status 5) with the same rrmemory
rounds (R13: the roll-over counts only the phones rung). Held to the live capture
``unregistered_phone`` (tests/asterisk/test_phone_registration.py)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from callcenter.errors import ConfigError
from callcenter.pbxsim import Pbx, PbxConfig
from callcenter.pbxsim.ami_server import AmiServer
from callcenter.pbxsim.driver import run_scenario
from callcenter.pbxsim.queue_state import QueueConfig
from callcenter.pbxsim.rawclient import RawAmiClient
from callcenter.pbxsim.registrations import register, unregister
from callcenter.pbxsim.scenario import CallPlan, parse_scenario
from callcenter.pbxsim.wire import Headers
from tests.asterisk.harness import CENTRE_NUMBER
from tests.support.fidelity import messages
from tests.support.virtual_time import in_virtual_time
from tests.test_asterisk_captures import CAPTURES, call_events, pbxsim_stream

REGISTRATION = ("PeerStatus", "ContactStatus")


def registration_events(stream: bytes) -> Counter[tuple[str, str, str]]:
    counted: Counter[tuple[str, str, str]] = Counter()
    for message in messages(stream):
        headers = dict(message)
        if headers.get("Event") in REGISTRATION:
            who = headers.get("Peer") or f"PJSIP/{headers.get('AOR')}"
            status = headers.get("PeerStatus") or headers.get("ContactStatus", "")
            counted[(headers["Event"], who, status)] += 1
    return counted


def member_availability(stream: bytes) -> list[tuple[str, str]]:
    """QueueMemberStatus as (interface, status) when a member becomes free (1) or unavailable (5)."""
    return [(h["Interface"], h["Status"]) for h in map(dict, messages(stream))
            if h.get("Event") == "QueueMemberStatus" and h.get("Status") in ("1", "5")]


def called(stream: bytes) -> list[str]:
    return [h["Interface"] for h in map(dict, messages(stream)) if h.get("Event") == "AgentCalled"]


async def test_r13_pbxsim_skips_a_phone_not_registered_as_asterisk_did(tmp_path: Path) -> None:
    """8101 and 8102 register once the stream is open, 8102 unregisters, a caller comes in: 8101
    rings twice; 8102 registers during 8101's second ring, yet app_queue's rrmemory rings 8101 a
    third time before 8102, which answers."""
    def offline(pbx: Pbx) -> None:
        for phone in ("8101", "8102", "8103"):
            unregister(pbx, phone)

    def phones_come(pbx: Pbx) -> None:
        register(pbx, "8101")
        register(pbx, "8102")
        unregister(pbx, "8102")
        rings: list[Headers] = []

        def watch(message: Headers) -> None:
            headers = dict(message)
            if headers.get("Event") == "AgentCalled" and headers.get("Interface") == "PJSIP/8101":
                rings.append(message)
                if len(rings) == 2:
                    pbx.later(0.02, lambda: register(pbx, "8102"))
        pbx.listeners.append(watch)

    plan = CallPlan(at=0.5, caller=CENTRE_NUMBER, via="originate",
                    variables={"__RING_8101": "never", "__RING_8102": "0.5", "PBXSIM_TALK": "0.3"})
    simulated = await pbxsim_stream(tmp_path, plan, before_login=offline, after_login=phones_come)
    live = (CAPTURES / "unregistered_phone.ami").read_bytes()
    assert called(simulated) == called(live) == ["PJSIP/8101", "PJSIP/8101", "PJSIP/8101", "PJSIP/8102"]
    assert registration_events(simulated) == registration_events(live)
    assert member_availability(simulated) == member_availability(live)
    assert [dict(k) for k in (call_events(live) - call_events(simulated)).elements()] == []
    assert [dict(k) for k in (call_events(simulated) - call_events(live)).elements()] == []


async def _list(client: RawAmiClient, action: str, complete: str) -> list[dict[str, str]]:
    await client.send([("Action", action), ("Queue", "service")])
    items: list[dict[str, str]] = []
    while (message := await client.read()) is not None:
        items.append(dict(message))
        if items[-1].get("Event") == complete:
            return items
    raise AssertionError(f"no {complete}")


async def _summary_and_status(port: int) -> tuple[dict[str, str], list[dict[str, str]]]:
    client = await RawAmiClient.connect("127.0.0.1", port)
    try:
        await client.login("callcenter", "secret", events="off")
        summary = await _list(client, "QueueSummary", "QueueSummaryComplete")
        status = await _list(client, "QueueStatus", "QueueStatusComplete")
    finally:
        await client.close()
    return (next(m for m in summary if m.get("Event") == "QueueSummary"),
            [m for m in status if m.get("Event") == "QueueMember"])


@in_virtual_time
async def test_a_phone_offline_from_the_start_is_unavailable_and_never_rung() -> None:
    """A scenario's ``[[phones]]`` step: 8102 is off from the start; the caller's rings all go to
    8101, QueueSummary counts one member logged in and QueueStatus shows 8102 Unavailable."""
    scenario = parse_scenario({
        "name": "offline", "phones": [{"at": 0, "phone": "8102", "registered": False}],
        "calls": [{"at": 0.5, "caller": "13800138000", "hangup_after": 12,
                   "variables": {"__RING_8101": "never", "__RING_8102": "1"}}]})
    queue = QueueConfig("service", (("PJSIP/8101", "Agent 1"), ("PJSIP/8102", "Agent 2")), timeout=2)
    pbx = Pbx(PbxConfig(queues=[queue]), speed=10)
    ami = AmiServer(pbx)
    await ami.start()
    try:
        await run_scenario(pbx, scenario, ami.port)
        summary, members = await _summary_and_status(ami.port)
    finally:
        await pbx.stop()
        await ami.stop()
    (log,) = pbx.calls.values()
    assert log.abandoned and {interface for interface, _ in log.attempts} == {"PJSIP/8101"}
    assert len(log.attempts) >= 3
    assert (summary["LoggedIn"], summary["Available"]) == ("1", "1")
    assert {m["Location"]: m["Status"] for m in members} == {"PJSIP/8101": "1", "PJSIP/8102": "5"}


@pytest.mark.parametrize("step,problem", [
    ({"at": 0, "phone": "8102", "registered": "no"}, "registered must be true or false"),
    ({"at": -1, "phone": "8102", "registered": False}, "at must be zero or more"),
])
def test_a_bad_phone_step_is_refused_with_what_to_fix(step: dict[str, object], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        parse_scenario({"phones": [step]}, "offline.toml")
