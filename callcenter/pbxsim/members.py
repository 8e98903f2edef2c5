"""Agent legs as app_queue dials them: a Local pair (``Local/agent1@agents``, whose ``;2`` runs
the simulated phone: Ringing, Wait(RING), Answer, Wait(TALK), Hangup) or one PJSIP channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from callcenter.pbxsim.channels import DOWN, RING, RINGING, UP, Channel
from callcenter.pbxsim.queue_state import Member, QueueState
from callcenter.pbxsim.queues import set_member_state

if TYPE_CHECKING:
    from callcenter.pbxsim.pbx import Pbx

NEVER = float("inf")


@dataclass
class MemberLeg:
    member: Member
    queue: QueueState
    one: Channel  # the dialled channel (DestChannel in queue events)
    two: Channel | None  # Local ;2, None for PJSIP members
    ring_seconds: float  # when the phone answers (inf: never)
    talk_seconds: float  # when the agent hangs up after answering
    started_at: float

    @property
    def local(self) -> bool:
        return self.two is not None


def phone_key(interface: str) -> str:
    """``Local/agent1@agents`` -> ``agent1``; ``PJSIP/8101`` -> ``8101`` (the RING_/TALK_ suffix)."""
    rest = interface.split("/", 1)[-1]
    return rest.split("@", 1)[0]


def _seconds(pbx: Pbx, caller: Channel, name: str, default: float) -> float:
    raw = caller.var(name) or pbx.globals.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("never", "noanswer", "inf"):
        return NEVER
    try:
        return float(raw)
    except ValueError:
        return default


PHONE_VAR = "PBXSIM_LAST_PHONE"  # the last SIP phone dialled for a Local caller (not a dialplan variable)


def dial_member(pbx: Pbx, caller: Channel, queue: QueueState, member: Member) -> MemberLeg:
    key = phone_key(member.interface)
    inherited = caller.inherited()
    if member.interface.startswith("Local/"):
        exten, _, context = member.interface[len("Local/"):].partition("@")
        base = f"{member.interface}-{pbx.ids.suffix()}"
        one = pbx.new_channel(f"{base};1", context, exten, linkedid=caller.linkedid, variables=inherited)
        two = pbx.new_channel(f"{base};2", context, exten, linkedid=caller.linkedid, state=RING,
                              variables=inherited)
        one.partner, two.partner = two, one
    else:
        exten = key if pbx.config.phone_context == "from-internal" else "s"
        one = pbx.new_channel(f"{member.interface}-{pbx.ids.suffix()}", pbx.config.phone_context, exten,
                              linkedid=caller.linkedid, variables=inherited)
        two = None
    for leg_channel in (one, two):
        if leg_channel is not None:
            leg_channel.role = "member"
            if leg_channel is one:  # app_queue's dialled channel (app_queue.c: ring_entry)
                leg_channel.application, leg_channel.app_data = "AppQueue", "(Outgoing Line)"
            leg_channel.cid_num = leg_channel.conn_num = caller.cid_num
            if leg_channel is two:
                leg_channel.cid_name = caller.cid_name
    leg = MemberLeg(member, queue, one, two,
                    _seconds(pbx, caller, f"RING_{key}", pbx.config.default_ring_seconds),
                    _seconds(pbx, caller, f"TALK_{key}", pbx.config.default_talk_seconds), pbx.now())
    _announce_leg(pbx, caller, leg)
    return leg


def _announce_leg(pbx: Pbx, caller: Channel, leg: MemberLeg) -> None:
    one, two = leg.one, leg.two
    pbx.call_event("Newchannel", one)
    if two is not None:
        pbx.call_event("Newchannel", two)
        pbx.call_event("NewCallerid", one, ("CID-CallingPres", "0 (Presentation Allowed, Not Screened)"))
        pbx.call_event("NewCallerid", two, ("CID-CallingPres", "0 (Presentation Allowed, Not Screened)"))
        local_bridge(pbx, one, two)
        one.exten = caller.exten  # the ;1 shows the caller's extension from here on (trace note)
    else:
        if one.exten == "s":
            one.exten = caller.exten  # a PJSIP phone too, once Queue() calls it (Asterisk 20.20.1)
        if caller.partner is not None:
            phone_rings_for_local_caller(pbx, caller.partner, leg.member.interface)
    member = leg.member
    pbx.agent_event("AgentCalled", caller, *one.headers("Dest"), ("Queue", leg.queue.name),
                    ("Interface", member.interface), ("MemberName", member.name))
    pbx.call_event("DialBegin", caller, *one.headers("Dest"),
                   ("DialString", member.interface.split("/", 1)[1]))
    set_member_state(pbx, member.interface, "ringing")
    # RINGING_AFTER_<phone>: a phone that sends its 180 Ringing late (seconds after the INVITE);
    # the caller has been waiting since AgentCalled all the same (DOMAIN "Ring time").
    late = _seconds(pbx, caller, f"RINGING_AFTER_{phone_key(member.interface)}", 0.0)

    def ringing() -> None:
        if one.hungup or one.state != DOWN:
            return  # answered or given up before its 180
        if two is not None:
            pbx.newexten(two, 4, "Ringing", "")
        pbx.set_state(one, RINGING)
        pbx.call_event("DialState", caller, *one.headers("Dest"), ("DialStatus", "RINGING"))
    if late > 0:
        pbx.later(late, ringing)
    else:
        ringing()


def phone_rings_for_local_caller(pbx: Pbx, one: Channel, interface: str) -> None:
    """Asterisk 20.20.1: a SIP phone dialled for a Local caller's ;2 becomes the ;1's caller ID
    (connected line), and the NewCallerid saying so comes just after the ;1's Hangup."""
    first = PHONE_VAR not in one.variables
    one.variables[PHONE_VAR] = interface.rsplit("/", 1)[-1]
    if first:
        def update() -> None:
            one.cid_num = one.variables[PHONE_VAR]
            pbx.call_event("NewCallerid", one, ("CID-CallingPres", "0 (Presentation Allowed, Not Screened)"))

        one.after_hangup.append(update)


def local_bridge(pbx: Pbx, one: Channel, two: Channel) -> None:
    headers = [(f"LocalOne{k}", v) for k,
               v in one.headers()] + [(f"LocalTwo{k}", v) for k, v in two.headers()]
    pbx.emit("LocalBridge", "call,all", headers + [("Context", one.context), ("Exten", one.exten),
                                                     ("LocalOptimization", "Yes")])


def answer_leg(pbx: Pbx, caller: Channel, leg: MemberLeg) -> None:
    if leg.two is not None:
        pbx.newexten(leg.two, 6, "Answer", "")
        pbx.set_state(leg.two, UP)
    pbx.set_state(leg.one, UP)
    pbx.call_event("DialEnd", caller, *leg.one.headers("Dest"), ("DialStatus", "ANSWER"))


def cancel_leg(pbx: Pbx, caller: Channel, leg: MemberLeg, no_answer: bool) -> None:
    """Stop a ringing leg: DialEnd NOANSWER+CANCEL on time-out, CANCEL twice on abandon
    (both as in the traces, and for a PJSIP phone on Asterisk 20.20.1), then the legs hang up
    with Cause 0."""
    first = "NOANSWER" if no_answer else "CANCEL"
    pbx.call_event("DialEnd", caller, *leg.one.headers("Dest"), ("DialStatus", first))
    pbx.call_event("DialEnd", caller, *leg.one.headers("Dest"), ("DialStatus", "CANCEL"))
    if leg.two is not None:
        pbx.hangup_request(leg.two, 0)
        pbx.hangup(leg.one, 0)
        pbx.hangup_request(leg.two, 16, soft=True)
        pbx.hangup(leg.two, 0)
    else:
        pbx.hangup(leg.one, 0)
    set_member_state(pbx, leg.member.interface, None)


def hangup_answered_leg(pbx: Pbx, leg: MemberLeg, bridge: str) -> None:
    """The agent side torn down by the bridge after the caller left (Cause 16 all round)."""
    pbx.emit("BridgeLeave", "call,all", bridge_headers(bridge, 1) + leg.one.headers())
    pbx.emit("BridgeDestroy", "call,all", bridge_headers(bridge, 0))
    if leg.two is not None:
        pbx.hangup_request(leg.two, 16)
    pbx.hangup(leg.one, 16)


def finish_leg(pbx: Pbx, leg: MemberLeg) -> None:
    if leg.two is not None:
        pbx.hangup_request(leg.two, 16, soft=True)
        pbx.hangup(leg.two, 16)
    set_member_state(pbx, leg.member.interface, None)


def bridge_headers(bridge: str, count: int) -> list[tuple[str, str]]:
    return [("BridgeUniqueid", bridge), ("BridgeType", "basic"), ("BridgeTechnology", "simple_bridge"),
            ("BridgeCreator", "<unknown>"), ("BridgeName", "<unknown>"), ("BridgeNumChannels", str(count)),
            ("BridgeVideoSourceMode", "none")]
