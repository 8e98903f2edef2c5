"""How Asterisk 20 itself reads an Originate's ``Variable:`` headers, and that the service's action
client sends nothing it could misread (issue 12). On the real PBX: every ``Variable:`` header is
read (one variable each), and a comma inside one header adds a variable: the reason the service
sends one header per variable and refuses commas in values."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from callcenter.ami.actions import AmiActionError, AmiActions, caller_id
from callcenter.config import AmiSettings, Secret
from tests.asterisk.conftest import Pbx
from tests.asterisk.pbx import Event

INBOUND = "Local/4008001234@callcenter-inbound"


def _set(pbx: Pbx, name: str, after: int) -> list[Event]:
    return [e for e in pbx.stream.events[after:] if e.get("Event") == "VarSet" and e.get("Variable") == name]


def _varset(name: str) -> Callable[[Event], bool]:
    return lambda e: e.get("Event") == "VarSet" and e.get("Variable") == name


def _actions(pbx: Pbx) -> AmiActions:
    secret = pbx.asterisk.ami_secrets()["callcenter-actions"]
    return AmiActions(AmiSettings("127.0.0.1", pbx.asterisk.ports.ami, "callcenter", Secret("-"),
                                  "callcenter-actions", Secret(secret)))


async def test_asterisk_reads_every_variable_header_and_splits_one_on_commas(pbx: Pbx) -> None:
    start = len(pbx.stream.events)
    # What an unchecked value did before: one header, a comma, and a second variable appears.
    response = await pbx.driver.client.action(
        "Originate", ("Channel", INBOUND), ("Application", "Wait"), ("Data", "1"),
        ("Variable", "CC_SEC_C=13800138000,CC_SEC_D=1"), ("Async", "true"))
    assert dict(response)["Response"] == "Success"
    for name in ("CC_SEC_D", "CC_SEC_C"):  # set in either order
        await pbx.stream.wait_for(_varset(name), after=start)
    assert [e["Value"] for e in _set(pbx, "CC_SEC_C", start)][:1] == ["13800138000"]

    actions = _actions(pbx)
    try:
        start = len(pbx.stream.events)
        await actions.originate(INBOUND, application="Wait", data="1",
                                variables={"CC_SEC_A": "1", "CC_SEC_B": "13800138000"},
                                caller_id=caller_id("回电 13800138000", "13800138000"))
        for name in ("CC_SEC_A", "CC_SEC_B"):  # set in either order
            await pbx.stream.wait_for(_varset(name), after=start)
        first = _set(pbx, "CC_SEC_A", start)[0]
        assert first["Value"] == "1"
        assert _set(pbx, "CC_SEC_B", start)[0]["Channel"] == first["Channel"]  # both on the same channel
        with pytest.raises(AmiActionError, match="CC_SEC_E"):
            await actions.originate(INBOUND, application="Wait", data="1",
                                    variables={"CC_SEC_E": "13800138000,CC_SEC_F=1"})
        with pytest.raises(AmiActionError, match="line break or NUL"):
            await actions.send({"Action": "Originate", "Channel": INBOUND, "Application": "Wait",
                                "Data": "1\r\n\r\nAction: QueuePause\r\nInterface: PJSIP/8101"})
        await actions.send({"Action": "Ping"})  # the link is fine, and Asterisk had nothing to run
    finally:
        await actions.close()
    assert not _set(pbx, "CC_SEC_F", start) and not _set(pbx, "CC_SEC_E", start)
    assert not [e for e in pbx.stream.events[start:] if e.get("Event") == "QueueMemberPause"]
