"""Listening in end to end on pbxsim over real AMI and a real web server: a supervisor's
``POST /api/calls/{linkedid}/spy`` rings their own phone into a live call with ChanSpy on the
agent's channel, and it is audited; agents are refused (403), unknown or finished calls are not
found (404), a post without the session's CSRF token is refused; the session itself is never
taken for a call (nothing on the wallboard's live calls, nothing stored) (R17)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from callcenter.agents.listen_in import listen_in
from callcenter.calls.spying import AgentLine
from callcenter.db.models.web import AuditEntry
from callcenter.db.session import unit_of_work
from callcenter.messages import CallStored
from callcenter.pbxsim.driver import ScenarioDriver
from callcenter.pbxsim.scenario import CallPlan, Scenario
from callcenter.pbxsim.wire import Headers
from callcenter.service import Service
from tests.support.desk import (
    PBX_COMPONENTS,
    create_accounts,
    login,
    sent_actions,
    serve_web,
    small_hotline_settings,
    wait_until,
)
from tests.support.fidelity import IGNORED, Key, event_key
from tests.support.fidelity import messages as fidelity_messages
from tests.support.service import listener_ready

pytestmark = pytest.mark.slow
CALLER = "13800138000"
SUPERVISOR, AGENT = "900", "101"
CAPTURES = Path(__file__).parent / "data" / "asterisk-captures"


@dataclass
class Setup:
    service: Service
    url: str
    events: list[dict[str, str]] = field(default_factory=list)
    stored: list[CallStored] = field(default_factory=list)

    @property
    def pbxsim(self) -> Any:
        return self.service.context.extras["pbxsim"]

    @property
    def tracker(self) -> Any:
        return self.service.context.tracker

    def seen(self, name: str) -> list[dict[str, str]]:
        return [e for e in self.events if e.get("Event") == name]

    async def talking_call(self) -> AgentLine:
        """A caller dials in and an agent answers at once; the call stays up until ended."""
        pbx = self.pbxsim.pbx
        driver = ScenarioDriver(pbx, Scenario(name="spy", flow="hotline"), self.pbxsim.server.port)
        try:
            await driver.place(CallPlan(at=0, caller=CALLER, keys="1",
                                        variables={"__RING_8101": "0.2", "__RING_8102": "0.2",
                                                   "__TALK_8101": "never", "__TALK_8102": "never"}))
        finally:
            if driver._client is not None:
                await driver._client.close()
        lines: list[AgentLine] = []

        def answered() -> bool:
            lines[:] = [line for c in self.tracker.live_calls()
                        if (line := self.tracker.agent_line(c.linkedid)) is not None]
            return bool(lines)

        await wait_until(answered, timeout=20, what="a call in conversation")
        return lines[0]


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    settings = small_hotline_settings(tmp_path, f"sqlite:///{tmp_path / 'spy.db'}")
    service = Service(settings, factories=PBX_COMPONENTS)
    await service.start()
    await listener_ready(service)
    ctx = service.context
    create_accounts(ctx)
    async with serve_web(ctx) as web:
        here = Setup(service, web.url)
        here.pbxsim.pbx.listeners.append(lambda message: here.events.append(dict(message)))
        here.pbxsim.pbx.globals["RING_8900"] = "0.2"  # the supervisor answers at once
        ctx.bus.subscribe(CallStored, lambda m: here.stored.append(m))
        yield here
    await asyncio.wait_for(service.stop(), 15)


@contextlib.asynccontextmanager
async def client_for(setup: Setup, user_id: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=setup.url, timeout=10) as client:
        await login(client, user_id)
        yield client


def spy_originates(setup: Setup) -> list[dict[str, str]]:
    """The Originates the service sent (the scenario's callers are Originates too)."""
    return [a for a in sent_actions(setup.pbxsim, "Originate") if not a["Channel"].startswith(
        "Local/") or "@callcenter-inbound" not in a["Channel"]]


def audit_rows(setup: Setup, action: str = "listen_in") -> list[AuditEntry]:
    with unit_of_work(setup.service.context.sessions) as session:
        rows = list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))
        session.expunge_all()
        return rows


async def test_a_supervisor_whispers_into_a_live_call_from_their_own_phone_and_it_is_audited_r17(
        setup: Setup) -> None:
    line = await setup.talking_call()
    async with client_for(setup, SUPERVISOR) as client:
        response = await client.post(f"/api/calls/{line.linkedid}/spy", json={"mode": "whisper"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["linkedid"], body["mode"], body["phone"]) == (line.linkedid, "whisper", "8900")
    (originate,) = spy_originates(setup)
    assert (originate["Channel"], originate["Context"], originate["Exten"], originate["Variable"]) == (
        "Local/8900@callcenter-spy-phone", "callcenter-spy", "whisper", f"CC_SPY_CHANNEL={line.channel}")
    await wait_until(lambda: setup.seen("ChanSpyStart"), timeout=15, what="ChanSpyStart")
    async with client_for(setup, SUPERVISOR) as client:  # a second click while listening
        again = await client.post(f"/api/calls/{line.linkedid}/spy", json={"mode": "barge"})
    assert again.status_code == 409 and "按 4 监听、5 耳语、6 强插" in again.json()["detail"]
    start = setup.seen("ChanSpyStart")[0]
    assert start["SpyeeChannel"] == line.channel and start["SpyerChannel"].startswith(
        "Local/8900@callcenter-spy-phone-")
    spy_linkedid = start["SpyerLinkedid"]
    assert spy_linkedid not in {c.linkedid for c in setup.tracker.live_calls()}  # no call on the wallboard
    (row,) = audit_rows(setup)
    assert (row.user_id, row.role) == (SUPERVISOR, "supervisor")
    assert f"whisper call {line.linkedid}" in row.detail and line.channel in row.detail
    # Then whether the phone answered, from Asterisk's OriginateResponse.
    await wait_until(lambda: audit_rows(setup, "listen_in_result"), what="the Originate's answer audited")
    (answered,) = audit_rows(setup, "listen_in_result")
    assert answered.user_id == SUPERVISOR
    assert answered.detail == f"whisper call {line.linkedid}: phone answered"
    # The agent's side hangs up: ChanSpy ends with it (option E), the supervisor's phone is cleared.
    await setup.service.context.actions.hangup(line.channel)
    await wait_until(lambda: setup.seen("ChanSpyStop") and any(
        s.record.linkedid == line.linkedid for s in setup.stored), timeout=15, what="the call stored")
    await wait_until(lambda: any(e.get("Event") == "Hangup" and e["Channel"].startswith("PJSIP/8900-")
                                 for e in setup.events), what="the supervisor's phone hung up")
    assert [s.record.linkedid for s in setup.stored] == [line.linkedid]  # the session stored nothing
    assert setup.tracker.live_calls() == []


async def test_agents_are_refused_and_unknown_or_ended_calls_are_not_found_r17(setup: Setup) -> None:
    line = await setup.talking_call()
    async with client_for(setup, AGENT) as agent:
        refused = await agent.post(f"/api/calls/{line.linkedid}/spy", json={"mode": "listen"})
    assert refused.status_code == 403
    async with client_for(setup, SUPERVISOR) as client:
        missing = await client.post("/api/calls/1700000000.999/spy", json={"mode": "listen"})
        odd = await client.post("/api/calls/%0D%0AAction:%20Hangup/spy", json={"mode": "barge"})
        bad_mode = await client.post(f"/api/calls/{line.linkedid}/spy", json={"mode": "record"})
        client.headers.pop("X-CSRF-Token")
        forged = await client.post(f"/api/calls/{line.linkedid}/spy", json={"mode": "listen"})
        await setup.service.context.actions.hangup(line.channel)
        await wait_until(lambda: setup.tracker.agent_line(line.linkedid) is None, what="the call ended")
        client.headers["X-CSRF-Token"] = (await client.get("/account/password")).text.split(
            'name="csrf-token" content="', 1)[1].split('"', 1)[0]
        ended = await client.post(f"/api/calls/{line.linkedid}/spy", json={"mode": "listen"})
    assert (missing.status_code, odd.status_code, ended.status_code) == (404, 404, 404)
    assert missing.json()["detail"].startswith("没有这通正在通话中的电话")
    assert bad_mode.status_code == 422 and forged.status_code == 403
    assert spy_originates(setup) == []  # nothing reached the PBX
    assert audit_rows(setup) == []


def session_events(stream: list[Headers]) -> Counter[Key]:
    """The spy session's events (its channels, their bridge, its Originate's answer), reduced as the
    fidelity check reduces them (tests/support/fidelity.py)."""
    heads = [dict(reversed(m)) for m in stream]
    spy = next(h["Linkedid"] for h in heads if h.get("Event") == "Newchannel"
               and "@callcenter-spy-phone-" in h.get("Channel", ""))
    bridges = {h["BridgeUniqueid"] for h in heads
               if h.get("Event") == "BridgeEnter" and h.get("Linkedid") == spy}

    def of_session(h: dict[str, str]) -> bool:
        ids = (h.get("Linkedid"), h.get("DestLinkedid"), h.get("SpyerLinkedid"), h.get("LocalOneLinkedid"))
        answer = h.get("Event") == "OriginateResponse" and "@callcenter-spy-phone" in h.get("Channel", "")
        return spy in ids or h.get("BridgeUniqueid") in bridges or answer

    return Counter(event_key(m) for m, h in zip(stream, heads, strict=True)
                   if h.get("Event") not in IGNORED and of_session(h))


@pytest.mark.parametrize(("capture", "ending"),
                         [("listen_in", "supervisor"), ("listen_in_call_ends", "call")])
async def test_pbxsim_runs_a_spy_session_with_the_events_asterisk_sent(
        setup: Setup, capture: str, ending: str) -> None:
    """Ended by the supervisor hanging up, or by the call (ChanSpy's E): the same events, by name
    and key headers, as Asterisk 20.20.1 sent in the tier's captures."""
    real = session_events(fidelity_messages((CAPTURES / f"{capture}.ami").read_bytes()))
    pbx = setup.pbxsim.pbx
    if ending == "supervisor":
        pbx.globals["TALK_8900"] = "1"  # the supervisor hangs up after a second
    line = await setup.talking_call()
    start = len(setup.events)
    ctx = setup.service.context
    await listen_in(ctx.settings.hotline, ctx.tracker, ctx.actions, SUPERVISOR, line.linkedid, "listen")
    await wait_until(lambda: setup.seen("ChanSpyStart"), timeout=10, what="ChanSpyStart")
    if ending == "call":
        await ctx.actions.hangup(line.channel)
    def over() -> bool:
        return any(e.get("Event") == "Hangup" and "@callcenter-spy-phone-" in e["Channel"]
                   and e["Channel"].endswith(";1") for e in setup.events[start:])

    await wait_until(over, timeout=10, what="the session over")
    got = session_events([list(e.items()) for e in setup.events[start:]])
    missing, extra = real - got, got - real
    assert not missing and not extra, f"missing {[dict(k) for k in missing]} extra {[dict(k) for k in extra]}"
