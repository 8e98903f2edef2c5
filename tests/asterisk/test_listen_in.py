"""Listen, whisper, barge on the real Asterisk: a caller (through the trunk) and agent 8101 talk,
each sending a tone of their own (caller 440 Hz, agent 1000 Hz); supervisor 900's phone (8900),
rung by the service's listen-in Originate, joins sending 2400 Hz. Who hears whom is measured
on each leg's received RTP (the tone's amplitude by Goertzel over the last second):

- listen: the supervisor hears both; neither caller nor agent hears the supervisor;
- whisper: the agent hears the supervisor, the caller does not;
- barge: both hear the supervisor;

once per mode from the start, then in one session switched by the supervisor's keypad (DTMF 5
whisper, 6 barge, 4 listen, as ChanSpy's ``d`` option allows). The session is no call: nothing
is stored for it and the call itself is stored as before (R17: the session goes to the audit).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from callcenter.agents.listen_in import listen_in
from tests.asterisk.conftest import Pbx, RunningService, random_caller
from tests.asterisk.harness import CENTRE_NUMBER
from tests.asterisk.pbx import bridged
from tests.asterisk.sipua import Call, SipUserAgent
from tests.asterisk.tones import Tone

CALLER_HZ, AGENT_HZ, SUPERVISOR_HZ = 440.0, 1000.0, 2400.0
HEARD = 1500.0  # each tone is sent at amplitude 8000; what one hears arrives at thousands
UNHEARD = 300.0  # what one does not hear: a few units of leakage, far below this
SETTLE_SECONDS = 1.5  # a mode's audio fills the last second measured


@dataclass
class Conversation:
    linkedid: str
    caller: Call
    agent: Call
    supervisor: SipUserAgent


@pytest.fixture
async def conversation(pbx: Pbx, service: RunningService) -> AsyncIterator[Conversation]:
    phone = await pbx.phone("8101", answer_after=0.3)
    supervisor = await SipUserAgent("8900", pbx.asterisk.passwords["8900"], pbx.sip).start()
    supervisor.answer_after = 0.3
    assert (await supervisor.register()).status == 200
    trunk = await pbx.customer()
    start = len(pbx.stream.events)
    placing = asyncio.create_task(trunk.invite(CENTRE_NUMBER, caller=random_caller()))
    menu = await pbx.stream.wait_for(
        lambda e: e.get("Event") == "AGIExecStart"
        and e.get("Command", "").startswith("GET DATA callcenter/zh/menu"), after=start)
    caller = await asyncio.wait_for(placing, 10)
    await caller.send_digits("0")
    agent = await phone.next_call()
    await asyncio.wait_for(agent.answered.wait(), 20)
    await bridged(pbx.stream, menu["Linkedid"])
    assert caller.rtp is not None and agent.rtp is not None
    caller.rtp.tone, agent.rtp.tone = Tone(CALLER_HZ), Tone(AGENT_HZ)
    try:
        yield Conversation(menu["Linkedid"], caller, agent, supervisor)
    finally:
        supervisor.close()


async def join(pbx: Pbx, service: RunningService, talk: Conversation, mode: str) -> Call:
    """The service rings the supervisor's phone into the call; it answers and sends its tone."""
    assert service.service is not None
    ctx = service.service.context
    start = len(pbx.stream.events)
    await listen_in(ctx.settings.hotline, ctx.tracker, ctx.actions, "900", talk.linkedid, mode)
    call = await talk.supervisor.next_call()
    await asyncio.wait_for(call.answered.wait(), 10)
    spying = await pbx.stream.wait_for(lambda e: e.get("Event") == "ChanSpyStart", after=start)
    assert spying["SpyeeChannel"].startswith("PJSIP/8101-")
    assert call.rtp is not None
    call.rtp.tone = Tone(SUPERVISOR_HZ)
    return call


async def who_hears_whom(talk: Conversation, supervisor: Call) -> dict[str, set[str]]:
    """After the audio settles: for each leg, the parties whose tones it clearly hears. A tone
    between the two bounds is neither, and fails the test with the figures."""
    await asyncio.sleep(SETTLE_SECONDS)
    legs = {"caller": talk.caller.rtp, "agent": talk.agent.rtp, "supervisor": supervisor.rtp}
    tones = {"caller": CALLER_HZ, "agent": AGENT_HZ, "supervisor": SUPERVISOR_HZ}
    heard: dict[str, set[str]] = {}
    for leg, rtp in legs.items():
        assert rtp is not None
        levels = {party: rtp.hears(hz) for party, hz in tones.items() if party != leg}
        unclear = {p: round(v) for p, v in levels.items() if UNHEARD <= v <= HEARD}
        assert not unclear, f"{leg} hears these only faintly: {unclear} (all: {levels})"
        heard[leg] = {p for p, v in levels.items() if v > HEARD}
    return heard


LISTEN = {"supervisor": {"caller", "agent"}, "caller": {"agent"}, "agent": {"caller"}}
WHISPER = {"supervisor": {"caller", "agent"}, "caller": {"agent"}, "agent": {"caller", "supervisor"}}
BARGE = {"supervisor": {"caller", "agent"}, "caller": {"agent", "supervisor"},
         "agent": {"caller", "supervisor"}}


async def leave(pbx: Pbx, supervisor: Call) -> None:
    start = len(pbx.stream.events)
    assert (await supervisor.hangup()).status == 200
    await pbx.stream.wait_for(lambda e: e.get("Event") == "ChanSpyStop", after=start)


@pytest.mark.parametrize(("mode", "expected"), [("listen", LISTEN), ("whisper", WHISPER), ("barge", BARGE)])
async def test_a_supervisor_joins_to_listen_whisper_or_barge_and_each_leg_hears_what_the_mode_says(
        pbx: Pbx, service: RunningService, conversation: Conversation, mode: str,
        expected: dict[str, set[str]]) -> None:
    supervisor = await join(pbx, service, conversation, mode)
    assert await who_hears_whom(conversation, supervisor) == expected
    await leave(pbx, supervisor)
    # The call goes on without the supervisor: caller and agent still hear each other only.
    await asyncio.sleep(SETTLE_SECONDS)
    assert conversation.caller.rtp is not None and conversation.agent.rtp is not None
    assert conversation.agent.rtp.hears(CALLER_HZ) > HEARD and conversation.caller.rtp.hears(AGENT_HZ) > HEARD
    assert conversation.agent.rtp.hears(SUPERVISOR_HZ) < UNHEARD


async def test_the_supervisors_keypad_switches_modes_during_one_session_dtmf_4_5_6(
        pbx: Pbx, service: RunningService, conversation: Conversation) -> None:
    supervisor = await join(pbx, service, conversation, "listen")
    assert await who_hears_whom(conversation, supervisor) == LISTEN
    for digit, expected in (("5", WHISPER), ("6", BARGE), ("4", LISTEN)):
        await supervisor.send_digits(digit)
        assert await who_hears_whom(conversation, supervisor) == expected, f"after DTMF {digit}"
    spy_linkedid = next(e["SpyerLinkedid"] for e in reversed(pbx.stream.events)
                        if e.get("Event") == "ChanSpyStart")
    await leave(pbx, supervisor)
    assert (await conversation.caller.hangup()).status == 200
    row = await service.stored_call(conversation.linkedid)
    pbx.save_capture("listen_in")
    assert (row.answered, row.agent_id, row.hangup_first) == (True, "101", "caller")
    # The supervisor's session is no call of the hotline: nothing stored, nothing on the wallboard.
    assert all(m.record.linkedid != spy_linkedid for m in service.stored)
    assert service.service is not None
    assert all(c.linkedid != spy_linkedid for c in service.service.context.tracker.live_calls())


async def test_when_the_call_ends_the_supervisors_phone_is_hung_up_too_chanspy_e(
        pbx: Pbx, service: RunningService, conversation: Conversation) -> None:
    supervisor = await join(pbx, service, conversation, "listen")
    start = len(pbx.stream.events)
    assert (await conversation.caller.hangup()).status == 200
    await pbx.stream.wait_for(lambda e: e.get("Event") == "ChanSpyStop", after=start)
    await asyncio.wait_for(supervisor.ended.wait(), 10)
    assert supervisor.ended_by == "remote"  # Asterisk sent the supervisor's phone a BYE
    row = await service.stored_call(conversation.linkedid)
    pbx.save_capture("listen_in_call_ends")
    assert (row.answered, row.agent_id, row.hangup_first) == (True, "101", "caller")
    assert [m.record.linkedid for m in service.stored] == [conversation.linkedid]
