"""The hotline flow of contract C3, run natively.

[callcenter-inbound] Answer, MixMonitor (one file per side), AGI(agi://…/inbound), Goto(callcenter-route,
${CC_ROUTE},1); [callcenter-route] queue → Queue(${CC_TARGET},t,,,300,agi://…/answered),
after_hours → Playback + message AGI, blocked → Playback + Hangup. With no FastAGI URL configured,
pbxsim decides the route itself from the hotline file (greeting, menu key → department queue)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from callcenter.pbxsim.agi_client import run_agi
from callcenter.pbxsim.apps import (
    CallEnded,
    Target,
    _after_queue,
    _guard,
    answer,
    dialplan_hangup,
    play,
    playback,
)
from callcenter.pbxsim.channels import Channel, next_key
from callcenter.pbxsim.dial_app import DEFAULT_TIMEOUT, dial
from callcenter.pbxsim.queue_app import queue_app

if TYPE_CHECKING:
    from callcenter.pbxsim.pbx import Pbx


async def inbound(pbx: Pbx, channel: Channel, on_answer: Any) -> Target:

    async def body() -> Target:
        answer(pbx, channel, 1, on_answer)
        mix_monitor(pbx, channel, 2)
        url = pbx.inbound_agi()
        if url:
            pbx.newexten(channel, 3, "AGI", url)
            await run_agi(pbx, channel, url)
        else:
            await native_menu(pbx, channel)
        route = channel.var("CC_ROUTE") or ""
        pbx.newexten(channel, 4, "Goto", f"callcenter-route,{route},1")
        return ("callcenter-route", route, 1)
    return await _guard(pbx, channel, body())


async def native_menu(pbx: Pbx, channel: Channel) -> None:
    """Greeting (R3), then the menu key the scenario pressed; no answer → default department."""

    hotline = pbx.config.hotline
    await play(pbx, channel, "callcenter/zh/greeting")
    department = None
    if hotline is not None:
        for _attempt in range(hotline.menu.max_attempts):
            await play(pbx, channel, "callcenter/zh/menu")
            key = next_key(channel)
            option = next((o for o in hotline.menu.options if o.key == key), None)
            if option is not None:
                department = hotline.department(option.department)
                break
            if key is None:
                break
            await play(pbx, channel, "callcenter/zh/invalid_key")
        if department is None and hotline.menu.default_department:
            department = hotline.department(hotline.menu.default_department)
        department = department or hotline.departments[0]
    queue = department.queue if department is not None else next(iter(pbx.queues))
    pbx.set_var(channel, "CC_ROUTE", "queue")
    pbx.set_var(channel, "CC_TARGET", queue)
    if department is not None:
        pbx.set_var(channel, "CC_DEPARTMENT", department.id)


def mix_monitor(pbx: Pbx, channel: Channel, priority: int) -> None:
    """C3's MixMonitor: Newexten shows the data with ${UNIQUEID} substituted (as Asterisk's does);
    MIXMONITOR_FILENAME names the mixed file only, the side files are named after it."""
    uid = channel.uniqueid
    pbx.newexten(channel, priority, "MixMonitor", f"{uid}.wav,r({uid}-caller.wav)t({uid}-agent.wav)")
    main = (pbx.recorder.start(pbx, channel) if pbx.recorder is not None
            else f"{pbx.config.recordings_dir}/{uid}.wav")
    pbx.set_var(channel, "MIXMONITOR_FILENAME", str(main))
    pbx.call_event("MixMonitorStart", channel)


async def route_queue(pbx: Pbx, channel: Channel, on_answer: Any) -> Target:

    async def body() -> Target:
        target = channel.var("CC_TARGET") or ""
        answered = _answered_url(pbx)
        pbx.newexten(channel, 1, "Queue", f"{target},t,,,300" + (f",{answered}" if answered else ""))
        if target not in pbx.queues:
            pbx.set_var(channel, "QUEUESTATUS", "UNKNOWN")
            return await _after_queue(pbx, channel, None, 2)
        request = await queue_app(pbx, channel, target, answered)
        return await _after_queue(pbx, channel, request, 2)
    return await _guard(pbx, channel, body())


def _answered_url(pbx: Pbx) -> str | None:
    url = pbx.inbound_agi()
    return url.rsplit("/", 1)[0] + "/answered" if url else None


async def route_prompt_then_hangup(pbx: Pbx, channel: Channel, prompt: str, agi_script: str | None) -> Target:

    async def body() -> Target:
        await playback(pbx, channel, 1, prompt)
        url = pbx.inbound_agi()
        if agi_script and url:
            await run_agi(pbx, channel, url.rsplit("/", 1)[0] + "/" + agi_script)
        dialplan_hangup(pbx, channel)
        return None
    return await _guard(pbx, channel, body())


async def after_hours(pbx: Pbx, channel: Channel, on_answer: Any) -> Target:
    return await route_prompt_then_hangup(pbx, channel, "callcenter/zh/after_hours", "message")


async def blocked(pbx: Pbx, channel: Channel, on_answer: Any) -> Target:
    return await route_prompt_then_hangup(pbx, channel, "callcenter/zh/blocked", None)


async def extension(pbx: Pbx, channel: Channel, on_answer: Any) -> Target:
    """R14: the repeat caller's ticket owner rings first (Goto callcenter-owner,${CC_TARGET},1)."""
    target = channel.var("CC_TARGET") or ""
    pbx.newexten(channel, 1, "Goto", f"callcenter-owner,{target},1")
    return ("callcenter-owner", target, 1)


async def owner(pbx: Pbx, channel: Channel, on_answer: Any) -> Target:
    """[callcenter-owner]: Dial the owner; unanswered → the department's queue (CC_QUEUE) when
    the service named one, else the transfer-failed message (C3, R12)."""
    async def body() -> Target:
        answered = await _dial_step(pbx, channel, 1)
        if answered:
            return ("callcenter-route", "done", 1)
        queue = channel.var("CC_QUEUE")
        if queue:
            pbx.set_var(channel, "CC_TARGET", queue)
            return ("callcenter-route", "queue", 1)
        return ("callcenter-message", "transfer_failed", 1)
    return await _guarded(pbx, channel, body())


async def transfer(pbx: Pbx, channel: Channel, on_answer: Any) -> Target:
    """[callcenter-transfer]: 请稍等，我为您转接, Dial the colleague; unanswered → message (R12)."""

    async def body() -> Target:
        agent = _agent(pbx, channel.exten)
        if agent is not None:
            pbx.newexten(channel, 1, "Set", f"CC_AGENT_ID={agent.id}")
            pbx.set_var(channel, "CC_AGENT_ID", agent.id)
        await playback(pbx, channel, 2, "callcenter/zh/transferring")
        answered = await _dial_step(pbx, channel, 3)
        return ("callcenter-route", "done", 1) if answered else ("callcenter-message", "transfer_failed", 1)
    return await _guarded(pbx, channel, body())


async def _dial_step(pbx: Pbx, channel: Channel, priority: int) -> bool:

    extension = channel.exten
    agent = _agent(pbx, extension)
    timeout = _ring_timeout(pbx, agent.id) if agent is not None else DEFAULT_TIMEOUT
    announce = f"callcenter/zh/agent_{agent.id}" if agent is not None else None
    options = f",A({announce}:{announce})" if announce else ""
    pbx.newexten(channel, priority, "Dial", f"PJSIP/{extension},{timeout:g}{options}")
    request = await dial(pbx, channel, extension, timeout, announce)
    if request is not None:
        if channel.hungup:
            return True  # dial() already ended the call; nothing more runs
        raise CallEnded(request)
    return channel.var("DIALSTATUS") == "ANSWER"


def _agent(pbx: Pbx, extension: str) -> Any:
    hotline = pbx.config.hotline
    return hotline.agent_by_extension(extension) if hotline is not None else None


def _ring_timeout(pbx: Pbx, agent_id: str) -> float:
    # As the rendered dialplan: a direct call rings no longer than the agent's member timeout (R13).
    departments = pbx.config.hotline.departments
    timeouts = [d.member_timeout_seconds for d in departments if agent_id in d.agents]
    return float(min(timeouts) if timeouts else min(d.member_timeout_seconds for d in departments))


async def _guarded(pbx: Pbx, channel: Channel, body: Any) -> Target:

    target = await _guard(pbx, channel, body)
    return None if channel.hungup else target


async def transfer_failed(pbx: Pbx, channel: Channel, on_answer: Any) -> Target:
    pbx.newexten(channel, 1, "Set", "CC_MESSAGE_REASON=transfer_failed")
    pbx.set_var(channel, "CC_MESSAGE_REASON", "transfer_failed")
    return await route_prompt_then_hangup(pbx, channel, "callcenter/zh/transfer_failed", "message")


async def done(pbx: Pbx, channel: Channel, on_answer: Any) -> Target:

    pbx.newexten(channel, 1, "Hangup", "")
    dialplan_hangup(pbx, channel)
    return None


FLOWS = {
    ("callcenter-inbound", "_X."): inbound,
    ("callcenter-route", "queue"): route_queue,
    ("callcenter-route", "after_hours"): after_hours,
    ("callcenter-route", "blocked"): blocked,
    ("callcenter-route", "extension"): extension,
    ("callcenter-route", "done"): done,
    ("callcenter-owner", "_X."): owner,
    ("callcenter-transfer", "_X."): transfer,
    ("callcenter-message", "transfer_failed"): transfer_failed,
}
