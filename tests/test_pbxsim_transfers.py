"""Transfers, Dial() of an extension and member device states on pbxsim, held to what Asterisk 20
sends (traces README points 9 and 10; R12 transfer to a colleague, R14 owner first)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from test_pbxsim_fidelity import capture

from callcenter.ami.events import parse_event
from callcenter.calls.agent_state import AgentStates
from callcenter.calls.replay import replay_chunks
from callcenter.config import load_settings
from callcenter.pbxsim import Pbx, PbxConfig
from callcenter.pbxsim.ami_server import AmiServer
from callcenter.pbxsim.component import hotline_queues
from callcenter.pbxsim.driver import run_scenario
from callcenter.pbxsim.rawclient import RawAmiClient
from callcenter.pbxsim.scenario import parse_scenario
from tests.support.fidelity import messages
from tests.support.virtual_time import in_virtual_time

QUEUES = [{"name": "service", "members": [["Local/agent1@agents", "Agent 1"]]},
          {"name": "repair", "members": [["Local/agent2@agents", "Agent 2"]]}]


def _moved_call(kind: str) -> dict[str, Any]:
    call = {"at": 1.0, "caller": "13800138000", "hangup_after": 30,
            "variables": {"__RING_agent1": "3", "__RING_agent2": "2"},
            kind: {"at": 12, "context": "from-pstn", "exten": "repair"}}
    return {"name": kind, "queues": QUEUES, "calls": [call]}


def _events(stream: bytes) -> list[dict[str, str]]:
    return [dict(m) for m in messages(stream) if dict(m).get("Event")]


def _index(events: list[dict[str, str]], name: str, **match: str) -> int:
    return next(i for i,
                e in enumerate(events) if e["Event"] == name and all(e.get(k) == v for k, v in match.items()))


@in_virtual_time
async def test_redirect_of_a_bridged_caller_defers_the_first_agent_complete_to_the_final_hangup() -> None:
    stream, pbx = await capture(parse_scenario(_moved_call("redirect")))
    events = _events(stream)
    caller = events[_index(events, "QueueCallerJoin")]["Channel"]
    first_bridge = _index(events, "BridgeEnter", Channel=caller)
    moved = _index(events, "Newexten", Channel=caller, Exten="repair")
    # README 10: Newexten, BridgeLeave
    assert first_bridge < moved < _index(events, "BridgeLeave", Channel=caller)
    agent_legs = [e for e in events[moved:]
                  if e["Event"] == "Hangup" and e["Channel"].startswith("Local/agent1")]
    assert [e["Cause"] for e in agent_legs] == ["16", "16"]
    assert not any(e["Event"] in ("BlindTransfer", "AgentComplete") for e in events[first_bridge:moved + 8])
    completes = [e for e in events if e["Event"] == "AgentComplete"]
    first = next(e for e in completes if e["Interface"] == "Local/agent1@agents")
    second = next(e for e in completes if e["Interface"] == "Local/agent2@agents")
    assert first["Reason"] == second["Reason"] == "caller"
    assert "DestChannel" not in first and "DestChannel" in second  # the first agent's leg is long gone
    final_request = _index(events, "HangupRequest", Channel=caller)
    assert final_request < events.index(first) < _index(events, "Hangup", Channel=caller)
    connected = float(events[first_bridge]["Timestamp"])
    assert int(first["TalkTime"]) == int(float(first["Timestamp"]) - connected)  # includes after the transfer
    assert int(first["TalkTime"]) > int(second["TalkTime"]) + 10
    (log,) = pbx.calls.values()
    assert log.transfers == [("redirect", "from-pstn,repair")] and log.answered_by == "Local/agent2@agents"


@in_virtual_time
async def test_blind_transfer_sends_unhold_blindtransfer_and_an_immediate_agent_complete_transfer() -> None:
    """In the order Asterisk 20.20.1 sent for a PJSIP REFER: Unhold of the transferring agent, the
    caller's Newexten at the new place, BlindTransfer, the caller's BridgeLeave, AgentComplete."""
    stream, _pbx = await capture(parse_scenario(_moved_call("blind_transfer")))
    events = _events(stream)
    unhold = _index(events, "Unhold")
    assert [e["Event"] for e in events[unhold:unhold + 5]] == [
        "Unhold", "Newexten", "BlindTransfer", "BridgeLeave", "AgentComplete"]
    moved, transfer, complete = events[unhold + 1], events[unhold + 2], events[unhold + 4]
    assert events[unhold]["Channel"] == transfer["TransfererChannel"]
    assert transfer["Result"] == "Success" and transfer["TransfererChannel"].startswith("Local/agent1@agents")
    assert transfer["TransfereeChannel"] == complete["Channel"] == moved["Channel"]
    assert (transfer["Context"], transfer["Extension"]) == ("from-pstn", "repair") == (
        moved["Context"], moved["Exten"])
    assert complete["Reason"] == "transfer" and complete["DestChannel"] == transfer["TransfererChannel"]
    assert float(complete["Timestamp"]) - float(transfer["Timestamp"]) < 0.01  # immediate, not deferred
    reasons = [e["Reason"] for e in events if e["Event"] == "AgentComplete"]
    assert reasons == ["transfer", "caller"]  # the repair desk's own completion at the end


@in_virtual_time
async def test_blind_transfer_action_answers_like_asterisk() -> None:
    scenario = parse_scenario({"name": "bt", "queues": QUEUES, "calls": [
        {"at": 0.5, "caller": "13800138000", "hangup_after": 25, "variables": {"__RING_agent1": "1"}}]})
    pbx = Pbx(PbxConfig(queues=[q for q in scenario.queues]), speed=10.0)
    ami = AmiServer(pbx)
    await ami.start()
    client = await RawAmiClient.connect("127.0.0.1", ami.port)
    running = asyncio.create_task(run_scenario(pbx, scenario, ami.port))
    try:
        await client.login("callcenter", "secret", events="off")
        missing = dict(await client.action("BlindTransfer", ("Channel", "PJSIP/nobody-00000001"),
                                           ("Exten", "repair")))
        assert missing["Message"] == "Channel specified does not exist"
        agent = await _wait_for(lambda: next((c for c in pbx.channels.values()
                                             if c.role == "member" and c.bridged_with is not None), None))
        caller = agent.bridged_with
        ok = dict(await client.action("BlindTransfer", ("Channel", agent.name), ("Context", "from-pstn"),
                                      ("Exten", "repair")))
        assert (ok["Response"], ok["Message"]) == ("Success", "Transfer succeeded")
        await _wait_for(lambda: caller.exten == "repair" or None)
        alone = dict(await client.action("BlindTransfer", ("Channel", caller.name), ("Exten", "repair")))
        assert (alone["Response"], alone["Message"]) == ("Error", "Transfer invalid")  # in no bridge now
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await client.close()
        await pbx.stop()
        await ami.stop()


async def _wait_for(probe: Any, timeout: float = 10.0) -> Any:
    async with asyncio.timeout(timeout):
        while (found := probe()) is None:
            await asyncio.sleep(0.01)
    return found


class RouteToExtension:
    """The service's FastAGI, reduced to one decision: route the caller to ``extension``."""

    def __init__(self, extension: str, queue: str = "") -> None:
        self.extension, self.queue, self.scripts = extension, queue, []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        environment = {}
        while line := (await reader.readline()).decode().strip():
            key, _, value = line.partition(":")
            environment[key] = value.strip()
        self.scripts.append(environment["agi_network_script"])
        if environment["agi_network_script"] == "inbound":
            for name, value in (("CC_ROUTE", "extension"), ("CC_TARGET", self.extension),
                                ("CC_QUEUE", self.queue)):
                writer.write(f"SET VARIABLE {name} \"{value}\"\n".encode())
                await writer.drain()
                await reader.readline()
        writer.close()


async def _extension_call(hotline_path: Path, tmp_path: Path, ring: str,
                          queue: str = "") -> tuple[bytes, Any, Any]:
    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path), "CALLCENTER_VAR_DIR": str(tmp_path)})
    agent = settings.hotline.agents[0]
    agi = RouteToExtension(agent.extension, queue)
    server = await asyncio.start_server(agi.handle, "127.0.0.1", 0)
    url = f"agi://127.0.0.1:{server.sockets[0].getsockname()[1]}/inbound"
    data = {"name": "ext", "flow": "hotline", "calls": [
        {"at": 0.5, "via": "pjsip", "caller": "13800000009", "hangup_after": 40,
         "variables": {f"__RING_{agent.extension}": ring, f"__TALK_{agent.extension}": "5"}}]}
    try:
        stream, pbx = await capture(parse_scenario(data), speed=10.0, inbound="hotline",
                                    hotline=settings.hotline,
                                    queues=hotline_queues(settings.hotline), inbound_agi=url)
    finally:
        server.close()
        await server.wait_closed()
    (log,) = pbx.calls.values()
    return stream, log, (agent, agi)


@in_virtual_time
async def test_extension_route_rings_the_owner_who_answers_r14(hotline_path: Path, tmp_path: Path) -> None:
    stream, log, (agent, _agi) = await _extension_call(hotline_path, tmp_path, ring="2")
    events = _events(stream)
    dials = [(e["Event"], e.get("DialStatus")) for e in events if e["Event"].startswith("Dial")
             and e.get("DestChannel", "").startswith(f"PJSIP/{agent.extension}-")]
    assert dials == [("DialBegin", None), ("DialState", "RINGING"), ("DialEnd", "ANSWER")]
    ringing = float(events[_index(events, "DialState", DialStatus="RINGING")]["Timestamp"])
    answered = float(events[_index(events, "Newstate", ChannelStateDesc="Up",
                                   Channel=events[_index(events, "DialBegin")]["DestChannel"])]["Timestamp"])
    assert answered - ringing == pytest.approx(2.0, abs=0.001)
    assert log.answered_by == f"PJSIP/{agent.extension}" and log.hangup_first == "agent"
    assert log.heard[-1] == f"callcenter/zh/agent_{agent.id}"  # Dial's A(x:y): 工号 to the caller (R3)
    assert not any(e["Event"].startswith(("Agent", "QueueCaller")) for e in events)  # a plain Dial, no queue


@in_virtual_time
async def test_unanswered_extension_ends_in_the_transfer_failed_message_r12(hotline_path: Path,
                                                                            tmp_path: Path) -> None:
    stream, log, (agent, agi) = await _extension_call(hotline_path, tmp_path, ring="never")
    events = _events(stream)
    end = events[_index(events, "DialEnd")]
    ringing = events[_index(events, "DialState", DialStatus="RINGING")]
    assert end["DialStatus"] == "NOANSWER"
    timeout = min(d.member_timeout_seconds for d in load_settings(
        {"CALLCENTER_HOTLINE": str(hotline_path), "CALLCENTER_VAR_DIR": str(tmp_path)}).hotline.departments
        if agent.id in d.agents)
    assert float(end["Timestamp"]) - float(ringing["Timestamp"]) == pytest.approx(timeout, abs=0.001)
    assert events[_index(events, "Hangup", Channel=end["DestChannel"])]["Cause"] == "0"
    assert log.heard[-1] == "callcenter/zh/transfer_failed" and log.answered_by is None
    assert agi.scripts == ["inbound", "message"]  # the service hears of the message → callback (R12)


@in_virtual_time
async def test_unanswered_owner_falls_back_to_the_department_queue_r14(hotline_path: Path,
                                                                       tmp_path: Path) -> None:
    _stream, log, (agent, _agi) = await _extension_call(hotline_path, tmp_path, ring="never", queue="service")
    assert log.attempts[0] == (f"PJSIP/{agent.extension}", "no_answer")
    assert log.queue == "service" and "callcenter/zh/transfer_failed" not in log.heard


@in_virtual_time
async def test_member_device_states_follow_ring_answer_and_hang_up(hotline_path: Path,
                                                                   tmp_path: Path) -> None:
    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path), "CALLCENTER_VAR_DIR": str(tmp_path)})
    queues = hotline_queues(settings.hotline)
    phones = {f"__{what}_{agent.extension}": seconds for agent in settings.hotline.agents
              for what, seconds in (("RING", "2"), ("TALK", "6"))}
    data = {"name": "states", "flow": "hotline", "calls": [
        {"at": 0.5, "via": "pjsip", "caller": "13800000008", "keys": "1", "hangup_after": 30,
         "variables": phones}]}
    stream, _pbx = await capture(parse_scenario(data), speed=10.0, inbound="hotline",
                                 hotline=settings.hotline,
                                 queues=queues)
    events = _events(stream)
    interface = events[_index(events, "AgentCalled")]["Interface"]  # the member key 1 reached
    devices = [e["State"] for e in events if e["Event"] == "DeviceStateChange" and e["Device"] == interface]
    # As on Asterisk with the rendered device_state_busy_at = 1 (captures README): BUSY while it
    # rings and in the call, no change at the answer.
    assert devices == ["BUSY", "NOT_INUSE"]
    statuses = {e["Status"] for e in events
                if e["Event"] == "QueueMemberStatus" and e["Interface"] == interface}
    assert statuses == {"3", "1"}
    states = AgentStates(lambda device: "agent" if device == interface else None)
    seen = [change.state for e in events if (parsed := parse_event(e, 0.0)) is not None
            for change in (states.ring(parsed), states.apply(parsed))
            if change is not None and change.interface == interface]
    assert seen == ["ringing", "talking", "available"]


@in_virtual_time
async def test_r12_a_blind_transfer_is_counted_once_whatever_the_order_of_its_events() -> None:
    """The caller's Newexten at the new place, BlindTransfer and AgentComplete ``Reason: transfer``
    all say the same transfer (a PJSIP REFER had it counted twice)."""
    stream, _pbx = await capture(parse_scenario(_moved_call("blind_transfer")))
    (record,) = replay_chunks([stream])
    assert (record.transfers, record.agent, record.answered) == (1, "Local/agent1@agents", True)
    assert [leg.outcome for leg in record.legs] == ["answered", "answered"]
    assert (record.hangup_first, record.dropped) == ("caller", False)
