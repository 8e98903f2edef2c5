"""pbxsim replays each recorded scenario and must emit what Asterisk 20 emitted: the same events
burst by burst, with the same channel shapes, states, contexts, dial statuses, causes and queue
fields (identifiers and times aside; see callcenter/pbxsim/fidelity.py for what is compared)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from callcenter.pbxsim import Pbx, PbxConfig
from callcenter.pbxsim.ami_server import AmiServer
from callcenter.pbxsim.driver import ScenarioDriver, run_scenario
from callcenter.pbxsim.rawclient import RawAmiClient
from callcenter.pbxsim.scenario import Scenario, load_scenario
from tests.support.fidelity import differences, messages
from tests.support.virtual_time import in_virtual_time

SPEED = 10.0  # the tests run in virtual time (tests/support/virtual_time.py): no room for delays needed


async def capture(scenario: Scenario, speed: float = SPEED, agi: str | None = None,
                  **config: object) -> tuple[bytes, Pbx]:
    """Run ``scenario`` on a fresh pbxsim and return every byte its AMI listener received."""
    queues = [replace(q, agi=agi) if q.agi else q for q in scenario.queues]
    config.setdefault("queues", queues)
    pbx = Pbx(PbxConfig(**config), speed=speed)  # type: ignore[arg-type]
    ami = AmiServer(pbx)
    await ami.start()
    driver = ScenarioDriver(pbx, scenario, ami.port)
    if any(call.via == "originate" for call in scenario.calls):
        await driver.connect()  # the traces' driver connection was up before the listener's
    listener = await RawAmiClient.connect("127.0.0.1", ami.port)
    try:
        await listener.send([("Action", "Login"), ("Username", "callcenter"), ("Secret", "secret"),
                             ("Events", "on"), ("ActionID", "listener-login-1")])
        reading = asyncio.create_task(_drain(listener))
        await run_scenario(pbx, scenario, ami.port, driver=driver)
        await listener.send([("Action", "Logoff"), ("ActionID", "listener-logoff-1")])
        await asyncio.wait_for(reading, 10)
    finally:
        await listener.close()
        await pbx.stop()
        await ami.stop()
    return bytes(listener.raw), pbx


async def _drain(client: RawAmiClient) -> None:
    while await client.read(timeout=60) is not None:
        pass


@pytest.mark.parametrize("name", ["answered_fast", "rollover", "abandoned", "two_concurrent",
                                  "sip_answered_fast", "sip_abandoned", "sip_hold"])
@in_virtual_time
async def test_pbxsim_matches_trace(name: str, traces_dir: Path) -> None:
    stream, _pbx = await capture(load_scenario(name))
    expected = (traces_dir / f"{name}.ami").read_bytes()
    assert differences(expected, stream) == []
    assert stream.startswith(b"Asterisk Call Manager/9.0.0\r\n")
    assert stream.endswith(b"Response: Goodbye\r\nActionID: listener-logoff-1\r\n"
                           b"Message: Thanks for all the fish.\r\n\r\n")


def member_device_states(stream: bytes) -> dict[str, list[str]]:
    """Each agent device's DeviceStateChange states, repeats collapsed (Asterisk's device-state
    cache sends some twice, depending on timing; the changes are what matter)."""
    states: dict[str, list[str]] = {}
    for message in messages(stream):
        headers = dict(message)
        if headers.get("Event") == "DeviceStateChange" and headers["Device"].startswith("Local/agent"):
            seen = states.setdefault(headers["Device"], [])
            if not seen or seen[-1] != headers["State"]:
                seen.append(headers["State"])
    return states


@pytest.mark.parametrize("name", ["rollover", "two_concurrent", "sip_hold"])
@in_virtual_time
async def test_member_device_states_change_as_in_the_trace(name: str, traces_dir: Path) -> None:
    stream, _pbx = await capture(load_scenario(name))
    expected = member_device_states((traces_dir / f"{name}.ami").read_bytes())
    assert expected and member_device_states(stream) == expected


@in_virtual_time
async def test_login_failure_matches_trace_byte_for_byte(traces_dir: Path) -> None:
    pbx = Pbx(PbxConfig())
    ami = AmiServer(pbx, auth_failure_delay=0.05)
    await ami.start()
    client = await RawAmiClient.connect("127.0.0.1", ami.port)
    await client.send([("Action", "Login"), ("Username", "callcenter"), ("Secret", "not-the-secret"),
                       ("Events", "on"), ("ActionID", "listener-login-1")])
    while await client.read() is not None:
        pass
    await client.close()
    await ami.stop()
    assert bytes(client.raw) == (traces_dir / "login_failure.ami").read_bytes()


class FastAgiRecorder:
    """The trace's FastAGI server: GET VARIABLE MEMBERNAME, MEMBERINTERFACE, STREAM FILE beep."""

    def __init__(self) -> None:
        self.environment: dict[str, str] = {}
        self.answers: list[str] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while (line := (await reader.readline()).decode().rstrip("\n")):
            key, _, value = line.partition(":")
            self.environment[key] = value.strip()
        for command in ("GET VARIABLE MEMBERNAME", "GET VARIABLE MEMBERINTERFACE", 'STREAM FILE beep ""'):
            writer.write(f"{command}\n".encode())
            await writer.drain()
            self.answers.append((await reader.readline()).decode().strip())
        writer.close()


@in_virtual_time
async def test_queue_agi_runs_on_caller_before_agent_connect(traces_dir: Path) -> None:
    import json

    recorder = FastAgiRecorder()
    server = await asyncio.start_server(recorder.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        stream, pbx = await capture(load_scenario("queue_agi_greeting"), speed=10.0,
                                    agi=f"agi://127.0.0.1:{port}/answered")
    finally:
        server.close()
        await server.wait_closed()
    expected = (traces_dir / "queue_agi_greeting.ami").read_bytes()
    assert differences(expected, stream) == []
    assert recorder.answers == ["200 result=1 (Agent 1)", "200 result=1 (Local/agent1@agents)",
                                "200 result=0 endpos=3520"]
    recorded = json.loads((traces_dir / "queue_agi_greeting.json").read_text())["agi"]["environment"]
    assert list(recorder.environment) == list(recorded)
    for key in ("agi_network", "agi_network_script", "agi_type", "agi_version", "agi_callerid", "agi_context",
                "agi_extension", "agi_priority", "agi_enhanced", "agi_language", "agi_dnid"):
        assert recorder.environment[key] == recorded[key], key
    names = [dict(m).get("Event") for m in messages(stream)]
    assert names.index("QueueCallerLeave") < names.index("AGIExecStart") < names.index("AgentConnect")
    (log,) = pbx.calls.values()
    assert log.heard == ["hello-world", "moh:default", "beep"]  # what the caller heard (R2/R3 evidence)
    assert log.answered_by == "Local/agent1@agents" and log.hangup_first == "caller"


@pytest.mark.parametrize("name,outcome", [
    ("answered_fast", {"answered_by": "Local/agent1@agents", "abandoned": False, "hangup_first": "caller",
                       "attempts": [["Local/agent1@agents", "answered"]]}),
    ("rollover", {"answered_by": "Local/agent2@agents", "abandoned": False, "hangup_first": "caller",
                  "attempts": [["Local/agent1@agents", "no_answer"], ["Local/agent2@agents", "answered"]]}),
    ("abandoned", {"answered_by": None, "abandoned": True, "hangup_first": "caller",
                   "attempts": [["Local/agent1@agents", "cancelled"]]}),
])
@in_virtual_time
async def test_call_log_records_the_intended_outcome(name: str, outcome: dict[str, object]) -> None:
    _, pbx = await capture(load_scenario(name))
    (log,) = pbx.calls.values()
    record = log.as_dict()
    assert {k: record[k] for k in outcome} == outcome
