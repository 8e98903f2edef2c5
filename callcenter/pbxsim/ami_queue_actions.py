"""Queue and channel listing actions: QueueStatus, QueueSummary, QueueAdd/Remove/Pause,
CoreShowChannels (responses, list events and EventList completions as Asterisk 20 sends them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from callcenter.pbxsim.queue_state import Member
from callcenter.pbxsim.queues import available, member_headers, member_removed, registered
from callcenter.pbxsim.wire import Headers, first

if TYPE_CHECKING:
    from callcenter.pbxsim.ami_session import Session
    from callcenter.pbxsim.pbx import Pbx


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes", "on")


def _send(session: Session, action: Headers, event: str, headers: Headers) -> None:
    action_id = first(action, "ActionID")
    session.send([("Event", event)] + ([("ActionID", action_id)] if action_id else []) + headers)


async def queue_status(pbx: Pbx, session: Session, action: Headers) -> None:
    wanted, items = first(action, "Queue"), 0
    session.respond(action, "Success", ("EventList", "start"), ("Message", "Queue status will follow"))
    for queue in pbx.queues.values():
        if wanted and queue.name != wanted:
            continue
        n = queue.completed
        avg_hold = int(queue.holdtime_total / n) if n else 0
        _send(session, action, "QueueParams", [
            ("Queue", queue.name), ("Max", "0"), ("Strategy", queue.config.strategy),
            ("Calls", str(len(queue.waiting))),
            ("Holdtime", str(avg_hold)), ("TalkTime", "0"), ("Completed", str(queue.completed)),
            ("Abandoned", str(queue.abandoned)), ("ServiceLevel", "0"), ("ServicelevelPerf", "0.0"),
            ("ServicelevelPerf2", "0.0"), ("Weight", "0")])
        items += 1
        for member in queue.members:
            headers = member_headers(pbx, queue, member)
            headers = [("Queue", queue.name), ("Name", member.name), ("Location", member.interface)] + [
                h for h in headers if h[0] not in ("Queue", "MemberName", "Interface", "Ringinuse",
                                                   "Wrapuptime")]
            _send(session, action, "QueueMember", headers)
            items += 1
        for position, entry in enumerate(queue.waiting, start=1):
            channel = entry.channel
            _send(session, action, "QueueEntry", [
                ("Queue", queue.name), ("Position", str(position)), ("Channel", channel.name),
                ("Uniqueid", channel.uniqueid), ("CallerIDNum", channel.cid_num),
                ("CallerIDName", channel.cid_name),
                ("ConnectedLineNum", channel.conn_num), ("ConnectedLineName", channel.conn_name),
                ("Wait", str(int(pbx.now() - entry.joined_at))), ("Priority", "0")])
            items += 1
    _send(session, action, "QueueStatusComplete", [("EventList", "Complete"), ("ListItems", str(items))])


async def queue_summary(pbx: Pbx, session: Session, action: Headers) -> None:
    wanted, items = first(action, "Queue"), 0
    session.respond(action, "Success", ("EventList", "start"), ("Message", "Queue summary will follow"))
    for queue in pbx.queues.values():
        if wanted and queue.name != wanted:
            continue
        # app_queue counts a member logged in unless its device is UNAVAILABLE (not registered).
        logged_in = sum(1 for m in queue.members if registered(pbx, m.interface))
        free = sum(1 for m in queue.members if available(pbx, m))
        longest = max((int(pbx.now() - e.joined_at) for e in queue.waiting), default=0)
        _send(session, action, "QueueSummary", [
            ("Queue", queue.name), ("LoggedIn", str(logged_in)), ("Available", str(free)),
            ("Callers", str(len(queue.waiting))), ("HoldTime", "0"), ("TalkTime", "0"),
            ("LongestHoldTime", str(longest))])
        items += 1
    _send(session, action, "QueueSummaryComplete", [("EventList", "Complete"), ("ListItems", str(items))])


async def queue_add(pbx: Pbx, session: Session, action: Headers) -> None:
    queue = pbx.queues.get(first(action, "Queue") or "")
    interface = first(action, "Interface") or ""
    if queue is None or not interface:
        session.respond(action, "Error", ("Message", "Unable to add interface to queue: No such queue"))
        return
    if queue.member(interface) is not None:
        session.respond(action, "Error", ("Message", "Unable to add interface: Already there"))
        return
    member = Member(interface, first(action, "MemberName") or interface, dynamic=True,
                    penalty=int(first(action, "Penalty") or "0"), paused=_truthy(first(action, "Paused")),
                    login_time=int(pbx.now()))
    queue.members.append(member)
    pbx.emit("QueueMemberAdded", "agent,all", member_headers(pbx, queue, member))
    session.respond(action, "Success", ("Message", "Added interface to queue"))


async def queue_remove(pbx: Pbx, session: Session, action: Headers) -> None:
    queue = pbx.queues.get(first(action, "Queue") or "")
    if queue is None:
        session.respond(action, "Error", ("Message", "Unable to remove interface from queue: No such queue"))
        return
    member = queue.member(first(action, "Interface") or "")
    if member is None:
        session.respond(action, "Error", ("Message", "Unable to remove interface: Not there"))
        return
    if not member.dynamic:
        # app_queue's RES_NOT_DYNAMIC: a member listed in queues.conf cannot be removed over AMI.
        session.respond(action, "Error", ("Message", "Member not dynamic"))
        return
    member_removed(queue, member)
    queue.members.remove(member)
    pbx.emit("QueueMemberRemoved", "agent,all", member_headers(pbx, queue, member))
    session.respond(action, "Success", ("Message", "Removed interface from queue"))


async def queue_pause(pbx: Pbx, session: Session, action: Headers) -> None:
    interface = first(action, "Interface") or ""
    paused = _truthy(first(action, "Paused"))
    reason = first(action, "Reason") or ""
    wanted = first(action, "Queue")
    found = [(q, q.member(interface)) for q in pbx.queues.values() if not wanted or q.name == wanted]
    found = [(q, m) for q, m in found if m is not None]
    if not found:
        session.respond(action, "Error", ("Message", "Interface not found"))
        return
    for queue, member in found:
        assert member is not None
        member.paused, member.paused_reason = paused, reason if paused else ""
        member.last_pause = int(pbx.now())
        pbx.emit("QueueMemberPause", "agent,all", member_headers(pbx, queue, member))
    session.respond(action, "Success", ("Message", "Interface paused successfully" if paused
                                         else "Interface unpaused successfully"))


async def core_show_channels(pbx: Pbx, session: Session, action: Headers) -> None:
    session.respond(action, "Success", ("EventList", "start"), ("Message", "Channels will follow"))
    channels = list(pbx.channels.values())
    for channel in channels:
        seconds = int(pbx.now() - channel.created_at)
        duration = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        # manager.c action_coreshowchannels: the channel's state, then these four, in this order.
        _send(session, action, "CoreShowChannel", channel.headers() + [
            ("Application", channel.application), ("ApplicationData", channel.app_data),
            ("Duration", duration), ("BridgeId", channel.bridge or "")])
    _send(session, action, "CoreShowChannelsComplete",
          [("EventList", "Complete"), ("ListItems", str(len(channels)))])


ACTIONS = {
    "queuestatus": queue_status, "queuesummary": queue_summary, "queueadd": queue_add,
    "queueremove": queue_remove, "queuepause": queue_pause, "coreshowchannels": core_show_channels,
}
