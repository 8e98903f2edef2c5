"""AMI action injection: a phone number carrying ``\\r\\n\\r\\nAction: …`` must never become a second
AMI action, and a ``,`` must never become a second channel variable (R17, trust first).

Each attack goes through the real parts: the AMI session over TCP to pbxsim (which logs every
action it received, as Asterisk 20 would parse them), the service's action client, the callbacks
runtime, and the desk's web API logged in as an ordinary agent. Every test asserts what reached
the wire: nothing injected."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from callcenter.ami.actions import AmiActionError, AmiActions
from callcenter.ami.session import AmiHeaderError, AmiSession
from callcenter.callbacks.policies import Plan
from callcenter.config import AmiSettings, Secret, load_settings
from callcenter.db.models.callbacks import Callback, CallbackLog
from callcenter.db.models.tickets import Ticket
from callcenter.db.session import unit_of_work
from callcenter.messages import TicketChanged
from callcenter.pbxsim import PbxConfig
from callcenter.pbxsim.ami_server import AmiServer
from callcenter.service import Service
from tests.support.desk import SMALL_HOTLINE, create_accounts, login, serve_web, wait_until
from tests.support.pbx import ACTION_USERS, serving_pbx

# What an agent typed into the ticket's phone field: a number, then a whole second action that
# would pause a colleague's queue membership as the AMI action user.
INJECTED = ("13800138000\r\n\r\nAction: QueuePause\r\nInterface: PJSIP/8102\r\nPaused: true\r\n"
            "ActionID: injected\r\n")
CUSTOMER = "13800138000"


def received(server: AmiServer) -> list[list[tuple[str, str]]]:
    return [a for s in server.sessions + server.closed_sessions for a in s.actions]


def nothing_injected(server: AmiServer) -> None:
    for action in received(server):
        headers = dict(action)
        assert headers.get("ActionID") != "injected", action
        assert headers.get("Action") != "QueuePause", action
        assert not any("\r" in v or "\n" in v or "\0" in v for _, v in action), action


@pytest.fixture
async def pbx() -> AsyncIterator[AmiServer]:
    async with serving_pbx(PbxConfig(users=ACTION_USERS), speed=50.0) as server:
        yield server


def action_settings(port: int) -> AmiSettings:
    return AmiSettings("127.0.0.1", port, "listener", Secret("l1"), "actions", Secret("a1"))


@pytest.mark.parametrize("bad", ["\r\n", "\n", "\r", "\0"])
async def test_the_ami_session_refuses_a_header_with_a_line_break_or_nul_and_sends_nothing(
        pbx: AmiServer, bad: str) -> None:
    session = await AmiSession.open("127.0.0.1", pbx.port, "actions", "a1", events=False)
    try:
        before = len(received(pbx))
        with pytest.raises(AmiHeaderError, match="line break or NUL"):
            await session.send({"Action": "Originate", "Channel": "PJSIP/8101",
                                "Context": "callcenter-callback",
                                "Exten": INJECTED.replace("\r\n", bad, 1)})
        with pytest.raises(AmiHeaderError, match="not a plain name"):
            await session.send([("Action", "Ping"), (f"X{bad}Action", "QueuePause")])
        # The link is still good, and the refused actions left no trace on it.
        reply = await session.send({"Action": "Ping"})
        assert reply[0]["Response"] == "Success"
    finally:
        await session.close()
    assert [dict(a)["Action"] for a in received(pbx)[before:]] == ["Ping"]
    nothing_injected(pbx)


async def test_originate_sends_one_variable_header_per_variable_and_refuses_a_comma(pbx: AmiServer) -> None:
    actions = AmiActions(action_settings(pbx.port))
    try:
        # Asterisk splits a Variable header on commas: "1,CC_SURVEY=1" would add a variable.
        with pytest.raises(AmiActionError, match="CC_CUSTOMER"):
            await actions.originate("PJSIP/8101", context="callcenter-callback", exten=CUSTOMER,
                                    variables={"CC_CUSTOMER": "13800138000,CC_SURVEY=1"})
        with pytest.raises(AmiActionError, match="not a dialplan extension"):
            await actions.originate("PJSIP/8101", context="callcenter-callback", exten="138,t,,U(evil)")
        with pytest.raises(AmiActionError, match="line break or NUL"):
            await actions.originate("PJSIP/8101", context="callcenter-callback", exten=CUSTOMER,
                                    caller_id=INJECTED)
        assert not [a for a in received(pbx) if dict(a).get("Action") == "Originate"]
        await actions.originate("PJSIP/8101", context="callcenter-callback", exten=CUSTOMER,
                                variables={"CC_CALLBACK_ID": "7", "CC_SURVEY": "0"})
    finally:
        await actions.close()
    [originate] = [a for a in received(pbx) if dict(a).get("Action") == "Originate"]
    assert [v for k, v in originate if k == "Variable"] == ["CC_CALLBACK_ID=7", "CC_SURVEY=0"]
    nothing_injected(pbx)


# --- the whole service: desk web API, tickets, callbacks, AMI, pbxsim ----------------------------

FACTORIES = ["callcenter.pbxsim.component:build", "callcenter.calls.component:build",
             "callcenter.callbacks.component:build", "callcenter.agents.component:build"]


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[tuple[Service, str]]:
    # Callbacks may be placed at any hour, so the attempt below runs whenever the test does.
    path = tmp_path / "hotline.toml"
    path.write_text(SMALL_HOTLINE.format(cycle=5, member_timeout=12)
                    + "[callbacks]\ncalling_hours_start = 00:00:00\ncalling_hours_end = 23:59:59\n",
                    encoding="utf-8")
    settings = load_settings({"CALLCENTER_HOTLINE": str(path), "CALLCENTER_VAR_DIR": str(tmp_path / "var"),
                              "CALLCENTER_DATABASE_URL": f"sqlite:///{tmp_path / 'sec.db'}",
                              "CALLCENTER_WRAP_UP_SECONDS": "0"})
    service = Service(settings, factories=FACTORIES)
    await service.start()
    ctx = service.context
    create_accounts(ctx)
    with unit_of_work(ctx.sessions) as s:
        s.add(Ticket(id=1, caller=CUSTOMER, phone=CUSTOMER, caller_name="张先生", address="3栋2单元501",
                     category="inquiry", summary="停水通知", owner="101", status="open", department="repair"))
    try:
        async with serve_web(ctx) as web:
            yield service, web.url
    finally:
        await asyncio.wait_for(service.stop(), 15)


def _server(service: Service) -> AmiServer:
    return service.context.extras["pbxsim"].server  # type: ignore[no-any-return]


def _ticket_phone(service: Service) -> str | None:
    with unit_of_work(service.context.sessions) as s:
        return s.get(Ticket, 1).phone  # type: ignore[union-attr]


@pytest.mark.slow
async def test_an_agent_cannot_put_an_ami_action_into_a_ticket_phone_r17(
        service: tuple[Service, str]) -> None:
    svc, url = service
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        await login(client, "101")
        for phone in (INJECTED, "13800138000,CC_SURVEY=1", "+44 20 7946 0000", "138-0013-8000 ext 5"):
            answer = await client.post("/desk/api/tickets/1", json={"phone": phone})
            assert answer.status_code == 400, answer.text
            assert "电话号码" in answer.json()["error"] or "境外" in answer.json()["error"]
        assert _ticket_phone(svc) == CUSTOMER
        # Formatting people type is fine, and is stored as digits only.
        answer = await client.post("/desk/api/tickets/1", json={"phone": "139 0013-9000"})
        assert answer.status_code == 200 and _ticket_phone(svc) == "13900139000"
        # Click to call dials exactly the digits, one Variable per variable.
        answer = await client.post("/desk/api/call", json={"ticket_id": 1})
        assert answer.status_code == 200, answer.text
    server = _server(svc)
    await wait_until(lambda: any(dict(a).get("Action") == "Originate" for a in received(server)))
    [originate] = [a for a in received(server) if dict(a).get("Action") == "Originate"]
    assert dict(originate)["Exten"] == "13900139000"
    assert [v for k, v in originate if k == "Variable"] == ["CC_AGENT=101", "CC_TICKET=1"]
    nothing_injected(server)


@pytest.mark.slow
async def test_a_stored_hostile_number_never_reaches_the_ami(service: tuple[Service, str]) -> None:
    """Rows written before these checks (or by hand) are checked again before dialling."""
    svc, url = service
    ctx = svc.context
    runtime = ctx.extras["callbacks"]
    now = dt.datetime.now(dt.UTC)
    with unit_of_work(ctx.sessions) as s:
        s.get(Ticket, 1).phone = INJECTED  # type: ignore[union-attr]
        s.add(Callback(id=50, caller=INJECTED, owner="101", department="repair", reason="dropped", due_at=now,
                       promised_at=now, status="pending", attempts=0, created_at=now, dedupe_key="old:50"))
    # A ticket change plans no callback to it, a plan carrying it is refused, ...
    await runtime.on_ticket_changed(TicketChanged(ticket_id=1, change="updated", category="inquiry",
                                                  urgent=False,
                                                  caller=CUSTOMER, owner="101", at=now.timestamp()))
    await runtime.decide([Plan("message", now, INJECTED, "sec:1", owner="101")])
    # ... and the old row's attempt fails with the reason instead of reaching Asterisk.
    await runtime.run_due()
    with unit_of_work(ctx.sessions) as s:
        rows = s.scalars(select(Callback)).all()
        assert [(c.id, c.caller == INJECTED) for c in rows] == [(50, True)]
        failed = s.scalars(select(CallbackLog.detail).where(CallbackLog.callback_id == 50,
                                                             CallbackLog.kind != "created")).all()
        assert any("电话号码" in d for d in failed), failed
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        await login(client, "101")
        answer = await client.post("/desk/api/call", json={"ticket_id": 1})
        assert answer.status_code == 400 and "电话号码" in answer.json()["error"]
    server = _server(svc)
    assert not [a for a in received(server) if dict(a).get("Action") == "Originate"]
    nothing_injected(server)


@pytest.mark.slow
async def test_a_corrected_phone_moves_the_tickets_pending_callbacks_r4(service: tuple[Service, str]) -> None:
    svc, url = service
    ctx = svc.context
    now = dt.datetime.now(dt.UTC)
    later = now + dt.timedelta(hours=1)
    with unit_of_work(ctx.sessions) as s:
        for cb_id, status in ((60, "pending"), (61, "done"), (62, "failed"), (63, "cancelled")):
            s.add(Callback(id=cb_id, ticket_id=1, caller=CUSTOMER, owner="101", department="repair",
                           reason="inquiry_30min", due_at=later, promised_at=later, status=status, attempts=0,
                           created_at=now, dedupe_key=f"ticket:1:test:{cb_id}"))
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        await login(client, "101")
        answer = await client.post("/desk/api/tickets/1", json={"phone": "+86 139-0013-9000"})
        assert answer.status_code == 200, answer.text

    def callers() -> dict[int, str]:
        with unit_of_work(ctx.sessions) as s:
            return {c.id: c.caller for c in s.scalars(select(Callback))}

    await wait_until(lambda: callers()[60] == "13900139000",
                     what="the pending callback follows the new number")
    assert callers()[62] == "13900139000"  # a failed one may be run again: it follows too
    assert callers()[61] == callers()[63] == CUSTOMER  # finished ones keep the number they dialled
    with unit_of_work(ctx.sessions) as s:
        kinds = s.scalars(select(CallbackLog.detail).where(CallbackLog.callback_id == 60,
                                                           CallbackLog.kind == "number_changed")).all()
    assert kinds == ["ticket 1's phone corrected: 138****8000 -> 139****9000"]
