"""The PBX restarted under its calls, on pbxsim as Asterisk 20 does it (the capture
``asterisk_restarted_mid_call``): every channel is hung up with the shutdown's SoftHangupRequest
(Cause 4), ``Event: Shutdown`` goes out, the AMI link drops and Asterisk comes back empty. The
service stores each cut call once: a conversation cut by the PBX is a dropped call (R9, the
system hung up first, whatever AgentComplete says), a caller cut while waiting is stored as
Asterisk logged it (abandoned), and calls after the restart are tracked again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from callcenter.calls.model import AgentRinging, GreetingDecision
from callcenter.pbxsim import Pbx, PbxConfig
from callcenter.pbxsim.ami_server import AmiServer
from callcenter.pbxsim.rawclient import RawAmiClient
from callcenter.pbxsim.restart import restart
from tests.support.calls_run import QUICK, CallsRun

SPEED = 10.0


@pytest.fixture
async def pbx(tmp_path: Path) -> AsyncIterator[AmiServer]:
    pbx = Pbx(PbxConfig(queue_log=str(tmp_path / "queue_log")), speed=SPEED, clock=None)
    server = AmiServer(pbx, auth_failure_delay=0.05)
    await server.start()
    yield server
    await pbx.stop()
    await server.stop()


async def originate(run: CallsRun, wait: float, ring_agent1: str) -> str:
    assert run.ctx.actions is not None
    await run.ctx.actions.originate("Local/inbound@from-pstn", application="Wait", data=f"{wait:g}",
                                    caller_id="13800138000", variables={"__RING_agent1": ring_agent1,
                                                                        "__RING_agent2": ring_agent1})
    before = {c.linkedid for c in run.ctx.tracker.live_calls()}
    await run.until(lambda: len(run.ctx.tracker.live_calls()) > len(before))
    linkedid: str = next(c.linkedid for c in run.ctx.tracker.live_calls() if c.linkedid not in before)
    return linkedid


async def read_all(client: RawAmiClient) -> list[dict[str, str]]:
    """Every message until the server closes the connection."""
    messages = []
    while (message := await client.read(timeout=30)) is not None:
        messages.append(dict(message))
    return messages


async def listed(client: RawAmiClient, action: str, item: str) -> list[dict[str, str]]:
    """A list action's items, read up to its EventList: Complete."""
    await client.send([("Action", action), ("ActionID", f"{action}-list")])
    items = []
    while (message := await client.read()) is not None:
        headers = dict(message)
        if headers.get("Event") == item:
            items.append(headers)
        if headers.get("EventList") == "Complete":
            return items
    raise ConnectionError("AMI connection closed")


async def test_a_pbx_restart_mid_call_stores_each_cut_call_once_and_the_conversation_as_dropped_r9(
        pbx: AmiServer, database_url: str, hotline_path: Path, tmp_path: Path) -> None:
    watcher = await RawAmiClient.connect("127.0.0.1", pbx.port)
    await watcher.login("callcenter", "secret")
    async with CallsRun(pbx.port, database_url, hotline_path, tmp_path, tmp_path / "queue_log",
                        QUICK) as run:
        talking = await originate(run, wait=600, ring_agent1="2")
        await run.until(lambda: any(isinstance(m, GreetingDecision) and m.linkedid == talking
                                    for m in run.seen))
        waiting = await originate(run, wait=600, ring_agent1="never")  # rings, nobody answers
        await run.until(lambda: any(isinstance(m, AgentRinging) and m.linkedid == waiting
                                    for m in run.seen))
        await restart(pbx.pbx, pbx, down_seconds=0.5)
        seen = await read_all(watcher)
        await run.until(lambda: len(run.stored()) == 2)
        after = await originate(run, wait=30, ring_agent1="1")  # tracked again once the PBX is back
        await run.until(lambda: len(run.stored()) == 3, timeout=30)

    records = {m.record.linkedid: m.record for m in run.stored()}
    assert sorted(records) == sorted({talking, waiting, after})  # each once
    cut = records[talking]
    assert cut.answered and cut.agent == "Local/agent1@agents"
    assert cut.hangup_first == "system" and cut.dropped  # R9: the caller is called back
    assert pbx.pbx.calls[talking].hangup_first == "system"
    unanswered = records[waiting]
    assert not unanswered.answered and unanswered.abandoned and unanswered.hangup_first == "system"
    assert records[after].answered and records[after].hangup_first == "caller"
    # The link saw Cause 4 on every channel before the first Hangup, and the Shutdown last.
    names = [m.get("Event") for m in seen]
    first_hangup = names.index("Hangup")
    softs = [m for m in seen[:first_hangup] if m.get("Event") == "SoftHangupRequest"]
    assert len(softs) >= 4 and {m.get("Cause") for m in softs} == {"4"}
    assert seen[-1].get("Event") == "Shutdown" and seen[-1].get("Restart") == "True"


async def test_pbxsim_comes_back_empty_after_a_restart(pbx: AmiServer) -> None:
    """No channel survives; queues.conf members are unpaused with no calls taken; Uptime restarts."""
    member = pbx.pbx.queues["service"].members[0]
    member.paused, member.paused_reason, member.calls_taken = True, "话后处理", 3
    client = await RawAmiClient.connect("127.0.0.1", pbx.port)
    await client.login("callcenter", "secret")
    await restart(pbx.pbx, pbx, down_seconds=0.2)
    assert [m.get("Shutdown") for m in await read_all(client) if m.get("Event") == "Shutdown"] == ["Cleanly"]
    await client.close()
    again = await RawAmiClient.connect("127.0.0.1", pbx.port)
    try:
        await again.login("callcenter", "secret", events="off")
        assert await listed(again, "CoreShowChannels", "CoreShowChannel") == []
        members = await listed(again, "QueueStatus", "QueueMember")
        first = next(m for m in members if m["Queue"] == "service" and m["Location"] == member.interface)
        assert (first["Paused"], first["PausedReason"], first["CallsTaken"]) == ("0", "", "0")
    finally:
        await again.close()
    lines = Path(pbx.pbx.config.queue_log or "").read_text().splitlines()
    assert lines[-1].split("|")[1:5] == ["NONE", "NONE", "NONE", "QUEUESTART"]



async def test_a_callback_asked_for_while_the_pbx_shuts_down_fails_and_leaves_nothing_running(
        pbx: AmiServer) -> None:
    # The restart cuts calls, and the service at once asks for their callbacks (R9) while Asterisk
    # is still shutting down: Asterisk allocates no channel then, the originate fails, and nothing
    # of it runs on in the PBX that comes back (in pbxsim its Queue() once did, and failed there).
    import asyncio

    client = await RawAmiClient.connect("127.0.0.1", pbx.port)
    await client.login("callcenter", "secret")
    failures: list[dict[str, object]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _loop, context: failures.append(context))
    restarting = asyncio.ensure_future(restart(pbx.pbx, pbx, down_seconds=0.5))
    await asyncio.sleep(0.2)  # hangups sent, Shutdown not yet: the AMI still takes actions
    await client.send([("Action", "Originate"), ("Channel", "Local/service@callcenter-queues"),
                       ("Context", "callcenter-callback"), ("Exten", "13800138000"), ("Priority", "1"),
                       ("Timeout", "600000"), ("Async", "true"), ("ActionID", "cb-1")])
    answers = []
    while (message := await client.read(timeout=5)) is not None:
        answers.append(dict(message))
        if answers[-1].get("Event") == "OriginateResponse":
            break
    await restarting
    await asyncio.sleep(1.0)
    assert answers[-1]["Event"] == "OriginateResponse" and answers[-1]["Response"] == "Failure"
    assert [t for t in asyncio.all_tasks() if "queue_app" in repr(t.get_coro())] == []
    assert failures == [] and pbx.pbx.queues["service"].waiting == []
