"""The steps dialplan applications share: Answer, Playback, the caller leaving mid-application,
the dialplan's own Hangup(). The flows (``flows.py``, ``hotline_flow.py``) and the applications
(Queue, Dial, AGI) are built from these."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from callcenter.pbxsim.channels import UP, Channel, HangupRequest

if TYPE_CHECKING:
    from callcenter.pbxsim.pbx import Pbx

Target = tuple[str, str, int] | None


class CallEnded(Exception):
    """The caller went away (or was redirected) while a dialplan application ran."""

    def __init__(self, request: HangupRequest) -> None:
        self.request = request


def answer(pbx: Pbx, channel: Channel, priority: int, on_answer: Callable[[], None] | None) -> None:
    pbx.newexten(channel, priority, "Answer", "")
    if channel.state != UP:
        pbx.set_state(channel, UP)
    if on_answer is not None:
        on_answer()


async def playback(pbx: Pbx, channel: Channel, priority: int, prompt: str) -> None:
    pbx.newexten(channel, priority, "Playback", prompt)
    await play(pbx, channel, prompt)
    pbx.set_var(channel, "PLAYBACKSTATUS", "SUCCESS")


async def play(pbx: Pbx, channel: Channel, prompt: str) -> None:
    """The caller hears ``prompt`` (R2/R3 evidence in the call's heard log) for its length."""
    log = pbx.calls.get(channel.linkedid)
    if log is not None:
        log.heard.append(prompt)
    request = await pbx.wait(channel, pbx.prompt_seconds(prompt))
    if request is not None:
        raise CallEnded(request)


def end_by_request(pbx: Pbx, channel: Channel, request: HangupRequest) -> None:
    """The caller hung up outside Queue(): HangupRequest, the Local ;1 first, then the channel."""
    pbx.hangup_request(channel, request.cause)
    if channel.partner is not None:
        pbx.hangup(channel.partner, 0)
    pbx.hangup_request(channel, 16, soft=True)
    pbx.hangup(channel, 16)
    _ended(pbx, channel, "caller")


def dialplan_hangup(pbx: Pbx, channel: Channel) -> None:
    """``Hangup()`` in the dialplan: the hotline side ends the call."""
    pbx.hangup_request(channel, 16, soft=True)
    pbx.hangup(channel, 16)
    if channel.partner is not None:
        pbx.hangup(channel.partner, 16)
    _ended(pbx, channel, "system")


def _ended(pbx: Pbx, channel: Channel, side: str) -> None:
    log = pbx.calls.get(channel.linkedid)
    if log is not None:
        log.hangup_first = log.hangup_first or side
        log.ended_at = log.ended_at or pbx.now()


async def _guard(pbx: Pbx, channel: Channel, body: Awaitable[Target]) -> Target:
    try:
        return await body
    except CallEnded as ended:
        if ended.request.side in ("redirect", "transfer") and ended.request.target is not None:
            return ended.request.target
        end_by_request(pbx, channel, ended.request)
        return None


async def _after_queue(pbx: Pbx, channel: Channel, request: HangupRequest | None, priority: int) -> Target:
    if request is None:  # the member hung up: the dialplan goes on to its Hangup()
        pbx.newexten(channel, priority, "NoOp", f"QUEUESTATUS={channel.var('QUEUESTATUS') or ''}")
        pbx.newexten(channel, priority + 1, "Hangup", "")
        dialplan_hangup(pbx, channel)
        return None
    if request.side in ("redirect", "transfer"):
        return request.target
    return None
