"""AMI actions pbxsim understands, with Asterisk 20's responses and messages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from callcenter.pbxsim import ami_permissions, ami_queue_actions
from callcenter.pbxsim.callback_queue import originate_queue
from callcenter.pbxsim.channels import Channel, HangupRequest
from callcenter.pbxsim.dialplan import originate_local
from callcenter.pbxsim.outbound import caller_id_number, originate_device
from callcenter.pbxsim.spy import is_spy_originate, originate_spy
from callcenter.pbxsim.wire import Headers, all_of, first

if TYPE_CHECKING:
    from callcenter.pbxsim.ami_session import Session
    from callcenter.pbxsim.pbx import Pbx

Handler = Callable[["Pbx", "Session", Headers], Awaitable[None]]


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes", "on")


def _variables(action: Headers) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in all_of(action, "Variable"):
        for pair in item.split(","):
            name, sep, value = pair.partition("=")
            if sep:
                out[name.strip()] = value
    return out


async def ping(pbx: Pbx, session: Session, action: Headers) -> None:
    session.respond(action, "Success", ("Ping", "Pong"), ("Timestamp", f"{pbx.now():.6f}"))


async def events(pbx: Pbx, session: Session, action: Headers) -> None:
    mask = (first(action, "EventMask") or "on").lower()
    session.events = mask not in ("off", "none", "0")
    session.respond(action, "Success", ("Events", "On" if session.events else "Off"))


async def setvar(pbx: Pbx, session: Session, action: Headers) -> None:
    name, value = first(action, "Variable"), first(action, "Value") or ""
    if not name:
        session.respond(action, "Error", ("Message", "No variable specified"))
        return
    channel_name = first(action, "Channel")
    if channel_name:
        channel = pbx.channels.get(channel_name)
        if channel is None:
            session.respond(action, "Error", ("Message", "No such channel"))
            return
        pbx.set_var(channel, name, value)
    else:
        pbx.globals[name] = value
    session.respond(action, "Success", ("Message", "Variable Set"))


async def getvar(pbx: Pbx, session: Session, action: Headers) -> None:
    name = first(action, "Variable") or ""
    channel_name = first(action, "Channel")
    if channel_name:
        channel = pbx.channels.get(channel_name)
        if channel is None:
            session.respond(action, "Error", ("Message", "No such channel"))
            return
        value = _cdr_time(channel, name) if name.upper().startswith("CDR(") else channel.var(name)
    else:
        value = pbx.globals.get(name)
    session.respond(action, "Success", ("Variable", name), ("Value", value or ""))


def _cdr_time(channel: Channel, name: str) -> str:
    """``CDR(start,u)``/``CDR(answer,u)`` of the channel's own CDR (func_cdr.c: ``%ld.%06ld``;
    ``0.000000`` while not answered). Other CDR fields are not kept by pbxsim."""
    field, _, options = name[4:].rstrip(")").partition(",")
    when = {"start": channel.created_at, "answer": channel.answered_at}.get(field.strip().lower())
    if "u" not in options:
        return ""
    return f"{when or 0.0:.6f}"


async def originate(pbx: Pbx, session: Session, action: Headers) -> None:

    target = first(action, "Channel") or ""
    if "/" not in target:
        session.respond(action, "Error", ("Message", "Channel not specified"))
        return
    application = first(action, "Application") or ""
    data = first(action, "Data") or ""
    wait = None
    if application.lower() == "wait":
        try:
            wait = float(data)
        except ValueError:
            wait = None
    async_ = _truthy(first(action, "Async"))
    session.respond(action, "Success", ("Message", "Originate successfully queued"))
    action_id = first(action, "ActionID")
    caller_id = first(action, "CallerID") or ""
    variables = _variables(action)
    if pbx.down:
        # Shutting down (restart.py): Asterisk allocates no channel during an active shutdown, and
        # the queued originate fails (a callback for a call the restart just cut, say).
        pbx.emit("OriginateResponse", "call,all", ([("ActionID", action_id)] if action_id else []) + [
            ("Response", "Failure"), ("Channel", target), ("Application", application), ("Data", data),
            ("Reason", "0"), ("Uniqueid", "<null>"), ("CallerIDNum", "<unknown>"),
            ("CallerIDName", "<unknown>")])
    elif target.startswith("Local/") and target.endswith("@callcenter-queues") and first(action, "Context"):

        queue = target[len("Local/"):].partition("@")[0]  # a callback for a department (C6)
        originate_queue(pbx, queue, action, variables, caller_id_number(caller_id), action_id)
    elif is_spy_originate(target) and first(action, "Context"):  # a supervisor listens in
        originate_spy(pbx, target, action, variables, action_id)
    elif target.startswith("AudioSocket/"):
        # A live-transcription tap (issue 17). pbxsim carries no audio: the tap fails as Asterisk's
        # does when nothing takes its connection, with no channel and no call; the service then
        # transcribes that call after hang-up.
        pbx.emit("OriginateResponse", "call,all", ([("ActionID", action_id)] if action_id else []) + [
            ("Response", "Failure"), ("Channel", target), ("Application", application), ("Data", data),
            ("Reason", "0"), ("Uniqueid", "<null>"), ("CallerIDNum", "<unknown>"),
            ("CallerIDName", "<unknown>")])
    elif target.startswith("Local/") and "@" in target:
        exten, _, context = target[len("Local/"):].partition("@")
        originate_local(pbx, exten, context.split("/")[0], caller_id, variables, wait, action_id, application,
                        data)
    else:
        originate_device(pbx, target, action, variables, action_id)
    del async_  # Async or not, the response comes first and OriginateResponse later (as with Async=true)


def _find(pbx: Pbx, name: str | None) -> Channel | None:
    return pbx.channels.get(name or "")


async def redirect(pbx: Pbx, session: Session, action: Headers) -> None:
    channel = _find(pbx, first(action, "Channel"))
    if channel is None:
        session.respond(action, "Error", ("Message", "Channel specified does not exist"))
        return
    context, exten = first(action, "Context") or "", first(action, "Exten") or ""
    priority = int(first(action, "Priority") or "1")
    channel.request(HangupRequest("redirect", None, (context, exten, priority)))
    session.respond(action, "Success", ("Message", "Redirect successful"))


async def hangup(pbx: Pbx, session: Session, action: Headers) -> None:
    channel = _find(pbx, first(action, "Channel"))
    if channel is None:
        session.respond(action, "Error", ("Message", "No such channel"))
        return
    cause = int(first(action, "Cause") or "16")
    caller = channel.bridged_with if channel.bridged_with is not None and channel.name.startswith(
        ("Local/agent", "PJSIP/")) and channel.bridged_with.context != "agents" else None
    if caller is not None:  # hanging up the agent's leg: the agent side ends the call
        caller.request(HangupRequest("agent", cause))
    else:
        (channel.partner if channel.partner is not None and channel.name.endswith(";1") else channel).request(
            HangupRequest("ami", cause))
    session.respond(action, "Success", ("Message", "Channel Hungup"))


async def blind_transfer(pbx: Pbx, session: Session, action: Headers) -> None:
    """``Channel`` is the transferer (the agent's leg, or the caller); its bridge peer moves to
    Context/Exten. pbxsim moves only the queue caller: naming the caller transfers the caller."""
    channel = _find(pbx, first(action, "Channel"))
    if channel is None:
        session.respond(action, "Error", ("Message", "Channel specified does not exist"))
        return
    exten = first(action, "Exten") or ""
    if not exten:
        session.respond(action, "Error", ("Message", "No extension specified"))
        return
    peer = channel.bridged_with
    if peer is None:  # not in a bridge: Asterisk's AST_BRIDGE_TRANSFER_INVALID
        session.respond(action, "Error", ("Message", "Transfer invalid"))
        return
    transferee = peer if channel.role == "member" else channel
    context = first(action, "Context") or transferee.context
    transferee.request(HangupRequest("transfer", None, (context, exten, 1)))
    session.respond(action, "Success", ("Message", "Transfer succeeded"))


ACTIONS: dict[str, Handler] = {
    "ping": ping, "events": events, "setvar": setvar, "getvar": getvar, "originate": originate,
    "redirect": redirect, "hangup": hangup, "blindtransfer": blind_transfer,
    "listcommands": ami_permissions.list_commands, "showdialplan": ami_permissions.show_dialplan,
    **ami_queue_actions.ACTIONS,
}
