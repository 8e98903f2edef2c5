"""The PBX restarted under its calls, as Asterisk 20 does it (``core restart now``, seen on
20.20.1): every channel gets a SoftHangupRequest with Cause 4 (AST_SOFTHANGUP_SHUTDOWN), the
applications end as on a hang-up (a bridged queue call with AgentComplete Reason ``caller``, a
waiting one with QueueCallerAbandon), the channels hang up, about a second later ``Event:
Shutdown`` goes out and the manager closes every connection. Asterisk comes back empty: no
channels, static queue members unpaused with their counters at zero, Uptime 0, and a
``QUEUESTART`` line in the queue_log."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from callcenter.pbxsim.channels import ChannelIds, HangupRequest

if TYPE_CHECKING:
    from callcenter.pbxsim.ami_server import AmiServer
    from callcenter.pbxsim.pbx import Pbx

SOFTHANGUP_SHUTDOWN = 4  # the SoftHangupRequest Cause every channel gets at a shutdown
SHUTDOWN_AFTER_S = 1.1  # from the last Hangup to Event: Shutdown (the capture)
CHANNELS_DIE_S = 15.0  # Asterisk waits this long for channels to go (SHUTDOWN_TIMEOUT)


async def restart(pbx: Pbx, ami: AmiServer, down_seconds: float) -> list[str]:
    """Restart ``pbx`` under its calls; returns the Linkedids of the calls it cut. The AMI port is
    closed for ``down_seconds`` (the time Asterisk takes to start again)."""
    cut = [log.linkedid for log in pbx.calls.values() if log.ended_at is None]
    pbx.down = True
    channels = list(pbx.channels.values())
    for channel in channels:
        pbx.hangup_request(channel, SOFTHANGUP_SHUTDOWN, soft=True)
    for channel in channels:
        if channel.role != "member" and not channel.name.endswith(";1"):
            channel.request(HangupRequest("system", None))  # what runs on it stops, as on a hang-up
    deadline = pbx.now() + CHANNELS_DIE_S
    while pbx.channels and pbx.now() < deadline:
        await asyncio.sleep(0.02)
    for channel in list(pbx.channels.values()):  # what did not end by itself goes with the process
        pbx.hangup(channel, 16)
    for linkedid in cut:
        log = pbx.calls[linkedid]
        log.hangup_first = "system"
        log.ended_at = log.ended_at or pbx.now()
    await asyncio.sleep(SHUTDOWN_AFTER_S)
    pbx.emit("Shutdown", "system,all", [("Shutdown", "Cleanly"), ("Restart", "True")])
    await ami.stop()
    await pbx.cancel_tasks()  # the calls' timers and flows die with the process
    _come_back_empty(pbx)
    await asyncio.sleep(down_seconds)
    await ami.start()
    pbx.down = False
    return cut


def _come_back_empty(pbx: Pbx) -> None:
    now = pbx.now()
    pbx.started_at = now
    pbx.ids = ChannelIds()
    pbx.member_state.clear()
    for queue in pbx.queues.values():
        queue.waiting.clear()
        queue.completed = queue.abandoned = 0
        queue.holdtime_total = queue.talktime_total = 0.0
        queue.rrpos, queue.wrapped = 0, False
        for member in queue.members:
            if not member.dynamic:  # queues.conf members start unpaused; added ones are kept (astdb)
                member.paused, member.paused_reason, member.last_pause = False, "", 0
            member.calls_taken = member.last_call = 0
            member.in_call = False
            member.login_time = int(now)
    if pbx.queue_log is not None:
        pbx.queue_log.write(now, "NONE", "NONE", "NONE", "QUEUESTART", "")
