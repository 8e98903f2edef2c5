"""Callbacks against pbxsim's AMI server (the stand-in for Asterisk): the Originate that reaches
the PBX rings the owner's phone (R14) with the customer as the callback context's extension, and
pbxsim's OriginateResponse (Reason 4 answered / 3 no answer) decides the attempt (R9, R22).

The Originate travels over a real TCP AMI session, sent by a small adapter with contract C1's
``originate`` signature (the service's own action client plugs in the same way)."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from callcenter.callbacks.runtime import CallbackRuntime
from callcenter.calls.model import OriginateResult
from callcenter.clock import FrozenClock
from callcenter.db.models.callbacks import Callback
from callcenter.db.models.calls import Call
from callcenter.db.session import make_engine, make_session_factory, migrate, unit_of_work
from callcenter.hotline import load_hotline
from callcenter.pbxsim import Pbx, PbxConfig
from callcenter.pbxsim.ami_server import AmiServer
from callcenter.pbxsim.rawclient import RawAmiClient
from callcenter.pbxsim.wire import Headers, first
from tests.test_callbacks_runtime import CUSTOMER, local, record


class AmiOriginate:
    """Contract C1's ``originate`` over one AMI session; events read meanwhile are kept."""

    def __init__(self, client: RawAmiClient) -> None:
        self.client = client
        self.events: list[Headers] = []
        self.sent: list[Headers] = []
        self._ids = itertools.count(1)

    async def originate(self, channel: str, *, context: str | None = None, exten: str | None = None,
                        priority: int = 1, application: str | None = None, data: str | None = None,
                        variables: dict[str, str] | None = None, caller_id: str | None = None,
                        timeout_ms: int = 30000, action_id: str | None = None) -> str:
        action_id = action_id or f"originate-{next(self._ids)}"
        headers: Headers = [("Action", "Originate"), ("ActionID", action_id), ("Channel", channel),
                            ("Context", context or ""), ("Exten", exten or ""), ("Priority", str(priority))]
        headers += [("Variable", f"{k}={v}") for k, v in (variables or {}).items()]
        headers += [("CallerID", caller_id or ""), ("Timeout", str(timeout_ms)), ("Async", "true")]
        self.sent.append(headers)
        await self.client.send(headers)
        while True:
            message = await self.client.read()
            assert message is not None
            if first(message, "ActionID") == action_id and first(message, "Response") is not None:
                if first(message, "Response") != "Success":
                    raise RuntimeError(first(message, "Message") or "Originate failed")
                return action_id
            self.events.append(message)

    async def originate_response(self, action_id: str) -> Headers:
        for message in self.events:
            if first(message, "Event") == "OriginateResponse" and first(message, "ActionID") == action_id:
                return message
        while True:
            message = await self.client.read(timeout=10)
            assert message is not None
            self.events.append(message)
            if first(message, "Event") == "OriginateResponse" and first(message, "ActionID") == action_id:
                return message


@pytest.fixture
async def pbx_ami() -> AsyncIterator[tuple[Pbx, AmiOriginate]]:
    pbx = Pbx(PbxConfig(default_ring_seconds=3.0), speed=50.0)
    server = AmiServer(pbx)
    await server.start()
    client = await RawAmiClient.connect("127.0.0.1", server.port)
    await client.login("callcenter", "secret")
    yield pbx, AmiOriginate(client)
    await client.close()
    await pbx.stop()
    await server.stop()


@pytest.fixture
async def runtime(pbx_ami: tuple[Pbx, AmiOriginate], tmp_path: Path,
                  hotline_path: Path) -> AsyncIterator[CallbackRuntime]:
    url = f"sqlite:///{tmp_path / 'cb.db'}"
    await asyncio.to_thread(migrate, url)
    engine = make_engine(url)
    yield CallbackRuntime(load_hotline(hotline_path), make_session_factory(engine),
                          FrozenClock(local(25, 10)),
                          lambda m: None, lambda: pbx_ami[1])
    engine.dispose()


async def _dropped_call(runtime: CallbackRuntime) -> None:
    rec = record(answered=True, abandoned=False, dropped=True, agent="PJSIP/8101", answered_at=1.0)
    with unit_of_work(runtime.sessions) as s:
        call = Call(linkedid=rec.linkedid, caller=CUSTOMER, started_at=local(25, 9, 58),
                    ended_at=local(25, 10),
                    answered=True, hangup_first="agent", dropped=True)
        s.add(call)
        s.flush()
        call_id = call.id
    await runtime.on_call_stored(call_id, rec)


async def _feed(runtime: CallbackRuntime, response: Headers) -> None:
    await runtime.on_originate_result(OriginateResult(
        first(response, "ActionID") or "", first(response, "Response") == "Success",
        first(response, "Reason") or "",
        first(response, "Channel"), first(response, "Uniqueid"), 0.0))


def _status(runtime: CallbackRuntime) -> tuple[str, int]:
    with unit_of_work(runtime.sessions) as s:
        cb = s.scalars(select(Callback)).one()
        return cb.status, cb.attempts


async def test_r9_r14_callback_rings_the_owner_phone_on_pbxsim_and_is_answered(
        pbx_ami: tuple[Pbx, AmiOriginate], runtime: CallbackRuntime) -> None:
    ami = pbx_ami[1]
    await _dropped_call(runtime)
    assert await runtime.run_due() == 1
    response = await ami.originate_response("callback-1-1")
    # pbxsim's side: the owner's phone (R14) rang for our Originate, the customer is the extension
    # the callback context dials once the agent answers.
    rang = [e for e in ami.events if first(e, "Event") == "Newchannel"]
    assert rang and (first(rang[0], "Channel") or "").startswith("PJSIP/8101-")
    assert (first(response, "Response"), first(response, "Reason"), first(response, "Channel")) == (
        "Success", "4", "PJSIP/8101")
    assert (first(response, "Context"), first(response, "Exten")) == ("callcenter-callback", CUSTOMER)
    await _feed(runtime, response)
    # Reason 4 is the agent's answer only: the customer leg decides (tests/test_callbacks_customer_*).
    assert _status(runtime) == ("running", 1)


async def test_no_answer_on_pbxsim_schedules_a_retry(pbx_ami: tuple[Pbx, AmiOriginate],
                                                      runtime: CallbackRuntime) -> None:
    pbx, ami = pbx_ami
    pbx.globals["RING_8101"] = "never"  # the owner's phone rings out
    await _dropped_call(runtime)
    await runtime.run_due()
    response = await ami.originate_response("callback-1-1")
    assert (first(response, "Response"), first(response, "Reason")) == ("Failure", "3")
    await _feed(runtime, response)
    assert _status(runtime) == ("pending", 1)
    with unit_of_work(runtime.sessions) as s:
        assert s.scalars(select(Callback.due_at)).one() == local(25, 10) + dt.timedelta(minutes=10)
