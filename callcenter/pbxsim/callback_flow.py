"""``[callcenter-callback]`` and ``[callcenter-survey]`` as ``callcenter dialplan render`` writes
them (callcenter/ivr/dialplan_callbacks.py), run natively on the agent's answered leg:

    exten => _X.,1,Set(__CC_CALLBACK_ID=${CC_CALLBACK_ID})
     same => n,ExecIf(... Set(CALLERID(num)=${CALLCENTER_CENTRE_NUMBER}))
     same => n,Dial(PJSIP/${EXTEN}@${CALLCENTER_TRUNK},45,A(callcenter/zh/callback)[F(callcenter-survey^s^1)])
     same => n,Hangup()

The customer leg is a plain Dial (traces README: DialBegin / DialState RINGING / DialEnd, no
Agent* events). A(): the customer hears the callback announcement before the bridge, and DialEnd
ANSWER waits for it. A trunk that is not among the PBX's ``trunks`` cannot be dialled: no channel,
no DialBegin, DIALSTATUS=CHANUNAVAIL, as Asterisk does for an unknown endpoint. Customers are
modelled by dialplan globals (scenario ``[globals]``):
``RING_<number>`` = seconds until they answer | ``never`` | ``busy`` (default: the PBX's ring
time, or drawn with ``CUSTOMER_BUSY_PROBABILITY`` / ``CUSTOMER_NO_ANSWER_PROBABILITY``),
``TALK_<number>`` = when they hang up, ``SURVEY_<number>`` = the key pressed in the survey.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING

from callcenter.ivr.dialplan_callbacks import CALLBACK_DIAL_SECONDS
from callcenter.pbxsim.channels import RINGING, UP, Channel, HangupRequest
from callcenter.pbxsim.members import NEVER, bridge_headers

if TYPE_CHECKING:
    from callcenter.pbxsim.pbx import Pbx

CALLBACK_CONTEXT = "callcenter-callback"
ANNOUNCEMENT = "callcenter/zh/callback"
BUSY = -1.0  # RING_<number> = busy: the network answers 486 at once
BUSY_AFTER = 0.5  # seconds from DialBegin to a busy signal


def customer_ring(pbx: Pbx, number: str) -> float:
    raw = (pbx.globals.get(f"RING_{number}") or "").strip().lower() or _drawn(pbx)
    if raw == "busy":
        return BUSY
    if raw in ("never", "noanswer", "inf"):
        return NEVER
    return float(raw) if raw else pbx.config.default_ring_seconds


def _drawn(pbx: Pbx) -> str:
    """A customer without RING_<number>: busy / not answering with the probabilities in the globals
    ``CUSTOMER_BUSY_PROBABILITY`` and ``CUSTOMER_NO_ANSWER_PROBABILITY`` (demo workloads; drawn
    from the PBX's seeded generator), else answering after the PBX's ring time."""
    busy = float(pbx.globals.get("CUSTOMER_BUSY_PROBABILITY") or 0)
    no_answer = float(pbx.globals.get("CUSTOMER_NO_ANSWER_PROBABILITY") or 0)
    if not busy and not no_answer:
        return ""
    draw = pbx.rng.random()
    return "busy" if draw < busy else "never" if draw < busy + no_answer else ""


def _seconds(pbx: Pbx, channel: Channel, name: str) -> float:
    raw = (channel.var(name) or pbx.globals.get(name) or "").strip().lower()
    if raw in ("never", "inf"):
        return NEVER
    return float(raw) if raw else pbx.config.default_talk_seconds


async def callback(pbx: Pbx, agent: Channel, agent_key: str) -> None:
    """The agent answered the Originate: dial the customer (the Originate's Exten), then hang up.
    ``agent_key`` names the phone's RING_/TALK_ globals; "" for the ;1 of a department's Local pair."""
    number = agent.exten
    callback_id = agent.var("CC_CALLBACK_ID") or ""
    pbx.newexten(agent, 1, "Set", f"__CC_CALLBACK_ID={callback_id}")
    pbx.set_var(agent, "__CC_CALLBACK_ID", callback_id)
    centre = pbx.globals.get("CALLCENTER_CENTRE_NUMBER") or ""
    pbx.newexten(agent, 2, "ExecIf", f"$[\"{centre}\" != \"\"]?Set(CALLERID(num)={centre})")
    if centre:
        agent.cid_num = centre
        pbx.call_event("NewCallerid", agent, ("CID-CallingPres", "0 (Presentation Allowed, Not Screened)"))
    trunk = pbx.globals.get("CALLCENTER_TRUNK") or "trunk"
    survey = agent.var("CC_SURVEY") == "1"
    options = f"A({ANNOUNCEMENT})" + ("F(callcenter-survey^s^1)" if survey else "")
    pbx.newexten(agent, 3, "Dial", f"PJSIP/{number}@{trunk},{CALLBACK_DIAL_SECONDS},{options}")
    request = await _dial_customer(pbx, agent, agent_key, number, trunk, survey)
    if agent.hungup:
        return
    if request is not None:  # the agent hung up (or was hung up over AMI) while Dial() ran
        pbx.hangup_request(agent, request.cause)
        pbx.hangup(agent, 16)
        return
    pbx.newexten(agent, 4, "Hangup", "")
    pbx.hangup_request(agent, 16, soft=True)
    pbx.hangup(agent, 16)
    _log_end(pbx, agent, "system")


async def _dial_customer(pbx: Pbx, agent: Channel, agent_key: str, number: str, trunk: str,
                         survey: bool) -> HangupRequest | None:
    if trunk not in pbx.config.trunks:
        # chan_pjsip cannot create the channel: app_dial sends no DialBegin (nothing was called)
        # and returns at once with CHANUNAVAIL; the dialplan's Hangup() follows.
        pbx.set_var(agent, "DIALSTATUS", "CHANUNAVAIL")
        log = pbx.calls.get(agent.linkedid)
        if log is not None:
            log.attempts.append((f"PJSIP/{number}@{trunk}", "failed"))
        return None
    customer = pbx.new_channel(f"PJSIP/{trunk}-{pbx.ids.suffix()}", "from-pstn", number,
                               linkedid=agent.linkedid, variables=agent.inherited())
    customer.cid_num, customer.conn_num = agent.cid_num, number
    customer.application, customer.app_data = "AppDial", "(Outgoing Line)"
    pbx.call_event("Newchannel", customer)
    pbx.call_event("DialBegin", agent, *customer.headers("Dest"), ("DialString", f"{number}@{trunk}"))
    ring = customer_ring(pbx, number)
    if ring == BUSY:
        request = await pbx.wait(agent, BUSY_AFTER)
        return _unanswered(pbx, agent, customer, "CANCEL" if request else "BUSY", 0 if request else 17,
                           request)
    pbx.set_state(customer, RINGING)
    pbx.call_event("DialState", agent, *customer.headers("Dest"), ("DialStatus", "RINGING"))
    request = await pbx.wait(agent, min(ring, CALLBACK_DIAL_SECONDS))
    if request is not None or ring > CALLBACK_DIAL_SECONDS:
        return _unanswered(pbx, agent, customer, "CANCEL" if request else "NOANSWER", 0, request)
    pbx.set_state(customer, UP)
    log = pbx.calls.get(agent.linkedid)
    if log is not None:
        log.heard.append(ANNOUNCEMENT)  # A(): played to the customer before the bridge
    request = await pbx.wait(agent, pbx.prompt_seconds(ANNOUNCEMENT))
    if request is not None:
        return _unanswered(pbx, agent, customer, "CANCEL", 16, request)
    pbx.call_event("DialEnd", agent, *customer.headers("Dest"), ("DialStatus", "ANSWER"))
    pbx.set_var(agent, "DIALSTATUS", "ANSWER")
    if log is not None:
        log.attempts.append((customer.name, "answered"))
        log.answered_by, log.answered_at = customer.name, pbx.now()
    return await _talk(pbx, agent, customer, agent_key, survey)


def _unanswered(pbx: Pbx, agent: Channel, customer: Channel, status: str, cause: int,
                request: HangupRequest | None) -> HangupRequest | None:
    pbx.call_event("DialEnd", agent, *customer.headers("Dest"), ("DialStatus", status))
    pbx.hangup(customer, cause)
    pbx.set_var(agent, "DIALSTATUS", status)
    log = pbx.calls.get(agent.linkedid)
    if log is not None:
        outcome = {"NOANSWER": "no_answer", "BUSY": "busy"}.get(status, "cancelled")
        log.attempts.append((customer.name, outcome))
    return request


async def _talk(pbx: Pbx, agent: Channel, customer: Channel, agent_key: str,
                survey: bool) -> HangupRequest | None:
    bridge = str(uuid.UUID(int=pbx.rng.getrandbits(128), version=4))
    pbx.emit("BridgeCreate", "call,all", bridge_headers(bridge, 0))
    for count, channel in enumerate((agent, customer), start=1):
        channel.bridge = bridge
        pbx.emit("BridgeEnter", "call,all", bridge_headers(bridge, count) + channel.headers())
    agent.bridged_with, customer.bridged_with = customer, agent
    # A department's callback (agent_key ""): the member's own talk time ends Queue() on the Local
    # pair's other half, which then takes this leg down.
    agent_talk = _seconds(pbx, agent, f"TALK_{agent_key}") if agent_key else NEVER
    customer_talk = _seconds(pbx, customer, f"TALK_{customer.exten}")
    customer_gone = asyncio.ensure_future(customer.signal.wait())
    try:
        limit = min(agent_talk, customer_talk)
        result = await pbx.wait(agent, None if limit == NEVER else limit, customer_gone)
    finally:
        customer_gone.cancel()
    agent.bridged_with = customer.bridged_with = None
    agent_first = isinstance(result, HangupRequest) or (result is None and agent_talk <= customer_talk)
    if agent_first:
        request = result if isinstance(result, HangupRequest) else HangupRequest("agent", 16)
        await _agent_hangs_up(pbx, agent, customer, bridge, request, survey)
        return request
    customer_request = customer.take_request()
    pbx.hangup_request(customer, customer_request.cause if customer_request else None)
    pbx.emit("BridgeLeave", "call,all", bridge_headers(bridge, 1) + customer.headers())
    pbx.hangup(customer, 16)
    pbx.emit("BridgeLeave", "call,all", bridge_headers(bridge, 0) + agent.headers())
    pbx.emit("BridgeDestroy", "call,all", bridge_headers(bridge, 0))
    _log_end(pbx, agent, "caller")
    return None  # Dial() returns on the agent's leg; the dialplan's Hangup() follows


async def _agent_hangs_up(pbx: Pbx, agent: Channel, customer: Channel, bridge: str, request: HangupRequest,
                          survey: bool) -> None:
    _log_end(pbx, agent, "agent")
    pbx.hangup_request(agent, request.cause)
    pbx.emit("BridgeLeave", "call,all", bridge_headers(bridge, 1) + agent.headers())
    pbx.emit("BridgeLeave", "call,all", bridge_headers(bridge, 0) + customer.headers())
    pbx.emit("BridgeDestroy", "call,all", bridge_headers(bridge, 0))
    pbx.hangup(agent, 16)
    if survey:  # F(callcenter-survey^s^1): the customer goes on to the survey (R21)
        await run_survey(pbx, customer)
        return
    pbx.hangup(customer, 16)


async def run_survey(pbx: Pbx, customer: Channel) -> None:
    """[callcenter-survey]: Read(CC_SURVEY_SCORE,callcenter/zh/survey,1,,2,8), UserEvent, thanks."""
    customer.context, customer.exten = "callcenter-survey", "s"
    log = pbx.calls.get(customer.linkedid)
    pbx.newexten(customer, 1, "Read", "CC_SURVEY_SCORE,callcenter/zh/survey,1,,2,8")
    if log is not None:
        log.heard.append("callcenter/zh/survey")
    await pbx.wait(customer, pbx.prompt_seconds("callcenter/zh/survey"))
    score = (pbx.globals.get(f"SURVEY_{customer.conn_num}") or "")[:1]
    pbx.set_var(customer, "CC_SURVEY_SCORE", score)
    callback_id = customer.var("CC_CALLBACK_ID") or ""
    pbx.newexten(customer, 2, "UserEvent", f"CallcenterSurvey,CallbackID: {callback_id},Score: {score}")
    pbx.emit("UserEvent", "user,all", customer.headers() + [
        ("UserEvent", "CallcenterSurvey"), ("CallbackID", callback_id), ("Score", score)])
    pbx.newexten(customer, 3, "Playback", "callcenter/zh/survey_thanks")
    if log is not None:
        log.heard.append("callcenter/zh/survey_thanks")
    await pbx.wait(customer, pbx.prompt_seconds("callcenter/zh/survey_thanks"))
    pbx.newexten(customer, 4, "Hangup", "")
    pbx.hangup_request(customer, 16, soft=True)
    pbx.hangup(customer, 16)


def _log_end(pbx: Pbx, agent: Channel, side: str) -> None:
    log = pbx.calls.get(agent.linkedid)
    if log is not None:
        log.hangup_first = log.hangup_first or side
        log.ended_at = log.ended_at or pbx.now()
