"""The action client of contract C1 against the embedded PBX over real TCP: what each call sends,
list actions collected to their EventList Complete, Asterisk's refusals in plain words (its
Message), a link that is down reported as such, and a broken link re-opened once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from callcenter.ami.actions import AmiActionError, AmiActions
from callcenter.config import AmiSettings, Secret
from callcenter.pbxsim import PbxConfig
from callcenter.pbxsim.ami_server import AmiServer
from tests.support.pbx import ACTION_USERS, serving_pbx


@pytest.fixture
async def pbx() -> AsyncIterator[AmiServer]:
    async with serving_pbx(PbxConfig(users=ACTION_USERS), speed=50.0) as server:
        yield server


def settings(port: int, secret: str = "a1") -> AmiSettings:
    return AmiSettings("127.0.0.1", port, "listener", Secret("l1"), "actions", Secret(secret))


def sent(server: AmiServer, action: str) -> dict[str, str]:
    sessions = server.sessions + server.closed_sessions
    found = [dict(a) for s in sessions for a in s.actions if dict(a).get("Action") == action]
    return found[-1]


async def test_actions_log_in_as_the_action_user_and_send_what_c1_promises(pbx: AmiServer) -> None:
    actions = AmiActions(settings(pbx.port))
    try:
        action_id = await actions.originate("PJSIP/8101", context="callcenter-callbacks", exten="13800138000",
                                            variables={"CC_CALLBACK": "7", "CC_REASON": "dropped"},
                                            caller_id="物业客服 <4008001234>", timeout_ms=25000)
        await actions.queue_add("service", "Local/agent9@agents", member_name="Agent 9")
        status = await actions.send({"Action": "QueueStatus", "Queue": "service"})
        await actions.queue_remove("service", "Local/agent9@agents")
    finally:
        await actions.close()
    originate = sent(pbx, "Originate")
    assert originate["ActionID"] == action_id and originate["Async"] == "true"
    assert (originate["Channel"], originate["Context"], originate["Exten"], originate["Priority"]) == (
        "PJSIP/8101", "callcenter-callbacks", "13800138000", "1")
    # One Variable header per variable (Asterisk 20 reads every one), so no value can add another.
    variables = [v for s in pbx.sessions + pbx.closed_sessions
                 for a in s.actions if dict(a).get("Action") == "Originate"
                 for k, v in a if k == "Variable"]
    assert variables == ["CC_CALLBACK=7", "CC_REASON=dropped"] and originate["Timeout"] == "25000"
    assert sent(pbx, "Login")["Username"] == "actions" and sent(pbx, "Login")["Events"] == "off"
    assert status[0]["Response"] == "Success" and status[-1]["EventList"].lower() == "complete"
    assert any(m.get("Event") == "QueueMember" and m.get("Name") == "Agent 9" for m in status)


async def test_asterisk_refusal_is_raised_in_its_own_words(pbx: AmiServer) -> None:
    actions = AmiActions(settings(pbx.port))
    try:
        with pytest.raises(AmiActionError, match="QueuePause failed: Interface not found"):
            await actions.queue_pause("PJSIP/9999", True, reason="午饭")
    finally:
        await actions.close()


async def test_wrong_action_secret_is_reported_not_retried(pbx: AmiServer) -> None:
    actions = AmiActions(settings(pbx.port, secret="wrong"))
    with pytest.raises(AmiActionError, match="Authentication failed"):
        await actions.hangup("PJSIP/8101-00000001")
    await actions.close()


async def test_link_down_is_reported_plainly(unused_tcp_port: int) -> None:
    actions = AmiActions(settings(unused_tcp_port), timeout=1.0)
    with pytest.raises(AmiActionError, match="link is down"):
        await actions.redirect("PJSIP/trunk-00000001", "callcenter-route", "queue")
    await actions.close()


async def test_a_broken_session_is_reopened_once(pbx: AmiServer) -> None:
    actions = AmiActions(settings(pbx.port))
    try:
        await actions.send({"Action": "Ping"})
        for session in list(pbx.sessions):
            session.writer.transport.abort()  # Asterisk restarted under us
        reply = await actions.send({"Action": "Ping"})
        assert reply[0]["Response"] == "Success"
    finally:
        await actions.close()
