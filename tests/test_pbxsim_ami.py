"""pbxsim's AMI server talks like Asterisk 20 (banner, login, errors, lists) and panoramisk, the
library the listener uses, works against it unmodified."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from callcenter.ami._panoramisk import Manager
from callcenter.clock import FrozenClock
from callcenter.ivr.accounts import LISTENER_READ, LISTENER_WRITE
from callcenter.pbxsim import Pbx, PbxConfig
from callcenter.pbxsim.ami_server import AmiServer
from callcenter.pbxsim.rawclient import RawAmiClient
from callcenter.pbxsim.wire import Headers, first
from tests.support.virtual_time import in_virtual_time


@contextlib.asynccontextmanager
async def _running_server() -> AsyncIterator[AmiServer]:
    pbx = Pbx(PbxConfig(), speed=50.0, clock=None)
    ami = AmiServer(pbx, auth_failure_delay=0.05)
    await ami.start()
    try:
        yield ami
    finally:
        await pbx.stop()
        await ami.stop()


@pytest.fixture
async def server() -> AsyncIterator[AmiServer]:
    async with _running_server() as ami:
        yield ami


async def test_banner_and_plain_login_answer_like_asterisk(server: AmiServer) -> None:
    client = await RawAmiClient.connect("127.0.0.1", server.port)
    assert client.banner == b"Asterisk Call Manager/9.0.0\r\n"
    await client.send([("Action", "Login"), ("Username", "callcenter"), ("Secret", "secret"),
                       ("Events", "on"), ("ActionID", "listener-login-1")])
    assert await client.read() == [("Response", "Success"), ("ActionID", "listener-login-1"),
                                   ("Message", "Authentication accepted")]
    booted = await client.read()
    assert booted is not None and first(booted, "Event") == "FullyBooted"
    assert first(booted, "Timestamp") is None  # written straight into the session, as Asterisk does
    auth = await client.read()
    assert auth is not None and first(auth, "Event") == "SuccessfulAuth"
    assert first(auth, "Privilege") == "security,all" and first(auth, "Timestamp") is not None
    await client.close()


async def test_wrong_secret_gets_the_exact_trace_bytes_then_close(server: AmiServer,
                                                                  traces_dir: Path) -> None:
    client = await RawAmiClient.connect("127.0.0.1", server.port)
    await client.send([("Action", "Login"), ("Username", "callcenter"), ("Secret", "wrong"),
                       ("Events", "on"), ("ActionID", "listener-login-1")])
    assert await client.read() is not None
    assert await client.read() is None  # the server closed the connection itself
    assert bytes(client.raw) == (traces_dir / "login_failure.ami").read_bytes()
    await client.close()


async def test_md5_challenge_login(server: AmiServer) -> None:
    client = await RawAmiClient.connect("127.0.0.1", server.port)
    challenge = await client.action("Challenge", ("AuthType", "MD5"))
    key = hashlib.md5((first(challenge, "Challenge") or "").encode() + b"secret").hexdigest()
    response = await client.action("Login", ("AuthType", "MD5"), ("Username", "callcenter"), ("Key", key))
    assert first(response, "Message") == "Authentication accepted"
    await client.close()


async def test_errors_ping_vars_and_logoff(server: AmiServer) -> None:
    client = await RawAmiClient.connect("127.0.0.1", server.port)
    denied = await client.action("Ping")
    assert first(denied, "Response") == "Error" and first(denied, "Message") == "Authentication Required"
    await client.login("callcenter", "secret", events="off")
    unknown = await client.action("NoSuchThing")
    assert [h for h in unknown if h[0] != "ActionID"] == [("Response", "Error"),
                                                          ("Message", "Invalid/unknown command")]
    pong = await client.action("Ping")
    assert first(pong, "Ping") == "Pong" and first(pong, "ActionID") == "ping-4"
    await client.action("Setvar", ("Variable", "RING_agent1"), ("Value", "4"))
    got = await client.action("Getvar", ("Variable", "RING_agent1"))
    assert first(got, "Value") == "4"
    bye = await client.action("Logoff")
    assert first(bye, "Response") == "Goodbye" and first(bye, "Message") == "Thanks for all the fish."
    assert await client.read() is None
    await client.close()
    logged = [first(a, "Action") for a in server.all_sessions[-1].actions]
    assert logged == ["Ping", "Login", "NoSuchThing", "Ping", "Setvar", "Getvar", "Logoff"]


async def test_events_carry_timestamp_from_injected_clock() -> None:
    clock = FrozenClock(1795634553.055087)
    pbx = Pbx(PbxConfig(), speed=50.0, clock=clock)
    ami = AmiServer(pbx)
    await ami.start()
    client = await RawAmiClient.connect("127.0.0.1", ami.port)
    await client.login("callcenter", "secret")
    await client.read()  # FullyBooted
    auth = await client.read()
    assert auth is not None and first(auth, "Timestamp") == "1795634553.055087"
    await client.close()
    await pbx.stop()
    await ami.stop()


async def test_queue_membership_actions_emit_member_events(server: AmiServer) -> None:
    client = await RawAmiClient.connect("127.0.0.1", server.port)
    await client.login("callcenter", "secret")
    added = await client.action("QueueAdd", ("Queue", "service"), ("Interface", "PJSIP/8101"),
                                ("MemberName", "8101"))
    assert first(added, "Message") == "Added interface to queue"
    again = await client.action("QueueAdd", ("Queue", "service"), ("Interface", "PJSIP/8101"))
    assert first(again, "Message") == "Unable to add interface: Already there"
    paused = await client.action("QueuePause", ("Interface", "PJSIP/8101"), ("Paused", "true"),
                                 ("Reason", "lunch"))
    assert first(paused, "Message") == "Interface paused successfully"
    removed = await client.action("QueueRemove", ("Queue", "service"), ("Interface", "PJSIP/8101"))
    assert first(removed, "Message") == "Removed interface from queue"
    missing = await client.action("QueuePause", ("Interface", "PJSIP/9999"), ("Paused", "true"))
    assert first(missing, "Message") == "Interface not found"
    events = client.skipped
    names = [first(e, "Event") for e in events]
    assert names == ["FullyBooted", "SuccessfulAuth", "QueueMemberAdded", "QueueMemberPause",
                     "QueueMemberRemoved"]
    pause = next(e for e in events if first(e, "Event") == "QueueMemberPause")
    assert first(pause, "PausedReason") == "lunch" and first(pause, "Paused") == "1"
    await client.close()


@in_virtual_time  # the 0.2 s below is exactly 10 simulated seconds, however busy the machine
async def test_panoramisk_logs_in_originates_and_lists() -> None:
    async with _running_server() as server:
        seen: list[str] = []
        manager = Manager(host="127.0.0.1", port=server.port, username="callcenter", secret="secret",
                          ping_delay=60, reconnect_timeout=60)
        manager.register_event("*", lambda _m, message: seen.append(message.event))
        await manager.connect()
        try:
            for _ in range(100):
                if manager.authenticated:
                    break
                await asyncio.sleep(0.01)
            assert manager.authenticated
            result = await manager.send_action({
                "Action": "Originate", "Channel": "Local/inbound@from-pstn", "Application": "Wait",
                "Data": "20",
                "CallerID": "13800138000", "Async": "true", "Variable": "__RING_agent1=4"})
            messages = result if isinstance(result, list) else [result]
            assert any(m.event == "OriginateResponse" and m.reason == "4" for m in messages)
            await asyncio.sleep(0.2)  # 10 simulated seconds: the caller is in the queue, agent1 rings
            status = await manager.send_action({"Action": "QueueStatus", "Queue": "service"})
            assert [m.event for m in status][-1] == "QueueStatusComplete"
            assert any(m.event == "QueueEntry" for m in status) or any(
                m.event == "QueueMember" and m.status in ("2", "6") for m in status)
            channels = await manager.send_action({"Action": "CoreShowChannels"})
            assert channels[-1].event == "CoreShowChannelsComplete"
            listed = [m for m in channels if m.event == "CoreShowChannel"]
            assert int(channels[-1].listitems) == len(listed) >= 2
            for _ in range(100):
                if "AgentConnect" in seen:
                    break
                await asyncio.sleep(0.02)
            assert {"Newchannel", "QueueCallerJoin", "AgentCalled", "AgentConnect"} <= set(seen)
        finally:
            manager.close()


async def test_a_live_transcription_tap_fails_without_a_channel_or_a_call_as_pbxsim_has_no_audio(
        server: AmiServer) -> None:
    """Issue 17: the service's AudioSocket tap is refused the way Asterisk refuses one whose
    receiver cannot be reached (OriginateResponse Failure, Reason 0); pbxsim records no call."""
    client = await RawAmiClient.connect("127.0.0.1", server.port)
    try:
        assert first(await client.login("callcenter", "secret"), "Response") == "Success"
        await client.send([("Action", "Originate"), ("ActionID", "cc-live-1"),
                           ("Channel", "AudioSocket/127.0.0.1:4574/0b7c4f36-9f3e-4f49-9d4e-1b2f3c4d5e6f"),
                           ("Async", "true"), ("Application", "ChanSpy"),
                           ("Data", "PJSIP/8101-00000001,qEoS")])
        got: list[list[tuple[str, str]]] = []
        async with asyncio.timeout(5):
            while not any(first(m, "Event") == "OriginateResponse" for m in got):
                message = await client.read()
                assert message is not None
                got.append(message)
    finally:
        await client.close()
    (queued,) = [m for m in got if first(m, "ActionID") == "cc-live-1" and first(m, "Event") is None]
    (response,) = [m for m in got if first(m, "Event") == "OriginateResponse"]
    assert first(queued, "Response") == "Success"  # queued, as Asterisk answers an Async Originate
    assert (first(response, "Response"), first(response, "Reason"), first(response, "ActionID")) == (
        "Failure", "0", "cc-live-1")
    assert not any(first(m, "Event") == "Newchannel" for m in got)
    assert server.pbx.calls == {}


@in_virtual_time
async def test_a_user_whose_read_lacks_security_gets_no_security_events() -> None:
    """manager.c sends an event only to a session whose ``read`` holds all its classes: the
    rendered listener (read = system,call,agent,dialplan,agi,user) never sees SuccessfulAuth or
    InvalidPassword, a user reading ``all`` does."""
    pbx = Pbx(PbxConfig(users={"callcenter": "secret", "auditor": "audit"},
                        permissions={"callcenter": (LISTENER_READ, LISTENER_WRITE)}))
    ami = AmiServer(pbx, auth_failure_delay=0.01)
    await ami.start()
    listener = await RawAmiClient.connect("127.0.0.1", ami.port)
    auditor = await RawAmiClient.connect("127.0.0.1", ami.port)
    try:
        await listener.login("callcenter", "secret")
        await auditor.login("auditor", "audit")
        intruder = await RawAmiClient.connect("127.0.0.1", ami.port)
        await intruder.login("callcenter", "wrong")
        await intruder.close()
        await listener.send([("Action", "Ping"), ("ActionID", "after")])
        await auditor.send([("Action", "Ping"), ("ActionID", "after")])
        heard = {name: [first(m, "Event") for m in await _until_pong(client)]
                 for name, client in (("listener", listener), ("auditor", auditor))}
    finally:
        await listener.close()
        await auditor.close()
        await ami.stop()
    assert "SuccessfulAuth" not in heard["listener"] and "InvalidPassword" not in heard["listener"]
    assert {"SuccessfulAuth", "InvalidPassword"} <= set(heard["auditor"])


async def _until_pong(client: RawAmiClient) -> list[Headers]:
    seen: list[Headers] = []
    while (message := await client.read()) is not None:
        if first(message, "ActionID") == "after":
            return seen
        seen.append(message)
    raise AssertionError("no answer to Ping")
