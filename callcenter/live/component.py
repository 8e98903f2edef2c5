"""Live transcription and alerts while the caller is on the line (issue 17).

At the answer (``GreetingDecision``, after the greeting has been decided and without waiting for
anything) each side of the call gets a recogniser from the bounded ``StreamPool`` and a tap: an
AMI ``Originate`` of an ``AudioSocket/<host>:<port>/<uuid>`` channel running
``ChanSpy(<side's channel>,qEoS)`` — quiet, only that channel's own voice, gone when it hangs up.
Asterisk connects to this component's AudioSocket receiver; the audio goes to the recogniser, its
partial and final results come back as ``LiveWords``, R19/R16 alerts as ``SupervisorAlert``
(``live_*``; an emergency also as ``LiveEmergency`` for the urgent ticket) and the ticket form's
fields as ``LivePrefill``. A call the pool has no room for, or whose tap fails, is announced
``LiveStatus(after_call)``: its words come from the recordings after hang-up, as for every call.
The tap only listens: a dead receiver or recogniser ends the tap channel, never the call.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from callcenter.calls.model import CallEnded, CallStarted, GreetingDecision, OriginateResult
from callcenter.hotline import Hotline
from callcenter.live.audiosocket import AudioSocketServer
from callcenter.live.prefill import prefill_fields
from callcenter.live.spotting import Side, Spotter
from callcenter.messages import LiveEmergency, LivePrefill, LiveStatus, LiveWords, SupervisorAlert
from callcenter.service import ServiceContext
from callcenter.speech.errors import ModelUnavailable
from callcenter.speech.models import resolve_model
from callcenter.speech.streaming import BYTES_PER_SECOND, StreamPool, StreamResult
from callcenter.words.alerts import alert_text, danger_name

log = logging.getLogger(__name__)

BATCH_BYTES = BYTES_PER_SECOND * 16 // 100  # 0.16 s of audio per message to the recogniser
TAP_OPTIONS = "qEoS"  # ChanSpy: quiet, exit with the spied channel, only its own voice, stop after it
_CHANNEL = re.compile(r"[A-Za-z0-9/@._;:+-]{3,120}")  # nothing that could add a ChanSpy argument
LAG_SAMPLES = 10_000
AFTER_CALL_REASONS = {
    "full": "实时转写已满，挂机后转写 / live transcription is full: transcribed after hang-up",
    "no_model": "实时转写未启用（没有语音模型），挂机后转写 / no speech model: transcribed after hang-up",
    "starting": "实时转写正在启动，挂机后转写 / live transcription is starting: transcribed after hang-up",
    "tap_failed": "实时音频未接通，挂机后转写 / live audio not connected: transcribed after hang-up",
    "ended": "实时转写中断，挂机后转写 / live transcription stopped: transcribed after hang-up",
    "no_receiver": "实时音频端口不可用，挂机后转写 / live audio port unavailable: transcribed after hang-up",
}


@dataclass
class _Tap:
    linkedid: str
    side: Side
    stream_id: int
    action_id: str | None = None
    connected: bool = False
    # (seconds of this side's audio received, monotonic time it arrived): for the lag
    arrivals: collections.deque[tuple[float, float]] = field(
        default_factory=lambda: collections.deque(maxlen=500))
    received_seconds: float = 0.0


@dataclass
class _LiveCall:
    linkedid: str
    caller: str | None
    agent_id: str | None
    spotter: Spotter
    finals: list[tuple[Side, str]] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    taps: dict[uuid.UUID, _Tap] = field(default_factory=dict)
    after_call: bool = False


class LiveComponent:
    name = "live"

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.settings = ctx.settings
        self.pool: StreamPool | None = None
        self.receiver = AudioSocketServer(self._on_stream)
        self.problem: str | None = "starting"
        self._calls: dict[str, _LiveCall] = {}
        self._callers: dict[str, str | None] = {}
        self._taps: dict[uuid.UUID, _Tap] = {}
        self._by_action: dict[str, _Tap] = {}
        self._loading: asyncio.Task[None] | None = None
        self._prefills: dict[str, asyncio.Task[None]] = {}
        # (seconds from the audio's arrival to its words, final) for the benchmarks
        self.lags: collections.deque[tuple[float, bool]] = collections.deque(maxlen=LAG_SAMPLES)

    async def start(self) -> None:
        try:
            await self.receiver.start(self.settings.live_host, self.settings.live_port)
        except OSError as exc:  # live words are a help, not the record: the service runs without them
            self.problem = "no_receiver"
            log.error("live: CALLCENTER_LIVE_PORT: cannot listen on %s:%s (%s); calls are transcribed after "
                      "hang-up only", self.settings.live_host, self.settings.live_port, exc.strerror or exc)
            return
        bus = self.ctx.bus
        bus.subscribe((CallStarted, GreetingDecision, CallEnded), self._on_call, name="live:calls")
        bus.subscribe(OriginateResult, self._on_originate, name="live:taps")
        # The model loads in the background: start-up, the greeting and the bridge never wait for it.
        self._loading = asyncio.create_task(self._load(), name="live:load")

    async def _load(self) -> None:
        try:
            path = await asyncio.to_thread(resolve_model, self.settings)
            pool = StreamPool(path, self.settings.live_workers, self.settings.live_streams)
            await pool.start()
        except ModelUnavailable as exc:
            self.problem = "no_model"  # the speech stage already warns once with the fix
            log.debug("live: calls are transcribed after hang-up only: %s", exc)
            return
        except Exception:
            self.problem = "no_model"
            log.exception("live: the live recognisers could not start; calls are transcribed after "
                          "hang-up only")
            return
        self.pool, self.problem = pool, None
        log.info("live: %d call side(s) recognised live at once", self.settings.live_streams)

    async def stop(self) -> None:
        if self._loading is not None:
            self._loading.cancel()
            await asyncio.gather(self._loading, return_exceptions=True)
        await self.receiver.close()
        for task in list(self._prefills.values()):
            task.cancel()
        if self.pool is not None:
            await self.pool.close()
            self.pool = None

    # --- calls -------------------------------------------------------------------------------

    async def _on_call(self, message: object) -> None:
        if isinstance(message, CallStarted):
            self._callers[message.linkedid] = message.caller
        elif isinstance(message, GreetingDecision):
            if message.linkedid not in self._calls:
                await self._begin(message)
        elif isinstance(message, CallEnded):
            linkedid = message.record.linkedid
            self._callers.pop(linkedid, None)
            call = self._calls.get(linkedid)
            if call is not None:  # the taps end with the channels; their last words may still come
                asyncio.get_running_loop().call_later(30.0, self._forget, linkedid)

    async def _begin(self, decision: GreetingDecision) -> None:
        agent_id = _agent_id(self.settings.hotline, decision.agent)
        call = _LiveCall(decision.linkedid, self._callers.get(decision.linkedid), agent_id,
                         Spotter(tuple(self.settings.hotline.live.alert_words)))
        self._calls[decision.linkedid] = call
        candidates: list[tuple[Side, str | None]] = [("caller", decision.caller_channel),
                                                     ("agent", decision.agent_channel)]
        sides = [(side, channel) for side, channel in candidates if channel and _CHANNEL.fullmatch(channel)]
        if self.pool is None or self.problem or not sides:
            self._after_call(call, self.problem or "tap_failed")
            return
        for side, _channel in sides:
            stream_id = self.pool.open(self._result_handler(call, side), self._end_handler(call, side))
            if stream_id is None:
                self._after_call(call, "full")
                self._release(call)
                return
            tap = _Tap(call.linkedid, side, stream_id)
            key = uuid.uuid4()
            call.taps[key], self._taps[key] = tap, tap
        self.ctx.bus.publish(LiveStatus(call.linkedid, agent_id, "live", None, self.ctx.clock.time()))
        for (key, tap), (_side, channel) in zip(list(call.taps.items()), sides, strict=True):
            await self._tap(call, key, tap, channel)

    async def _tap(self, call: _LiveCall, key: uuid.UUID, tap: _Tap, channel: str) -> None:
        host = self.settings.live_host
        if host in ("", "0.0.0.0", "::"):
            host = "127.0.0.1"
        try:
            tap.action_id = await self.ctx.actions.originate(
                f"AudioSocket/{host}:{self.receiver.port}/{key}", application="ChanSpy",
                data=f"{channel},{TAP_OPTIONS}", timeout_ms=5000, action_id=f"cc-live-{key.hex[:12]}")
            self._by_action[tap.action_id] = tap
        except Exception as exc:  # noqa: BLE001 -- the AMI link is down or refused: after hang-up only
            log.warning("live: the tap of call %s (%s) could not be asked for: %s", call.linkedid,
                        tap.side, exc)
            self._tap_failed(call, tap)

    def _on_originate(self, message: OriginateResult) -> None:
        tap = self._by_action.pop(message.action_id, None)
        if tap is not None and not message.success and not tap.connected:
            call = self._calls.get(tap.linkedid)
            if call is not None:
                self._tap_failed(call, tap)

    def _tap_failed(self, call: _LiveCall, tap: _Tap) -> None:
        if self.pool is not None:
            self.pool.end(tap.stream_id)
        self._after_call(call, "tap_failed")

    def _after_call(self, call: _LiveCall, reason: str) -> None:
        if call.after_call:
            return
        call.after_call = True
        self.ctx.bus.publish(LiveStatus(call.linkedid, call.agent_id, "after_call",
                                        AFTER_CALL_REASONS.get(reason, reason), self.ctx.clock.time()))

    def _release(self, call: _LiveCall) -> None:
        for key, tap in list(call.taps.items()):
            self._taps.pop(key, None)
            if self.pool is not None:
                self.pool.end(tap.stream_id)
        call.taps.clear()

    def _forget(self, linkedid: str) -> None:
        call = self._calls.pop(linkedid, None)
        if call is not None:
            for key in call.taps:
                self._taps.pop(key, None)

    # --- audio -------------------------------------------------------------------------------

    async def _on_stream(self, key: uuid.UUID, audio: AsyncIterator[bytes]) -> None:
        tap = self._taps.get(key)
        if tap is None or self.pool is None:
            log.warning("live: an AudioSocket connection for no tap of ours (%s) was closed", key)
            return
        tap.connected = True
        pool, loop = self.pool, asyncio.get_running_loop()
        batch = bytearray()
        async for chunk in audio:
            batch += chunk
            tap.received_seconds += len(chunk) / BYTES_PER_SECOND
            if len(batch) >= BATCH_BYTES:
                tap.arrivals.append((tap.received_seconds, loop.time()))
                pool.feed(tap.stream_id, bytes(batch))
                batch.clear()
        if batch:
            tap.arrivals.append((tap.received_seconds, loop.time()))
            pool.feed(tap.stream_id, bytes(batch))
        pool.end(tap.stream_id)

    def _result_handler(self, call: _LiveCall, side: Side) -> Any:
        def on_result(result: StreamResult) -> None:
            self._on_result(call, side, result)
        return on_result

    def _end_handler(self, call: _LiveCall, side: Side) -> Any:
        def on_end(problem: str | None) -> None:
            if problem:
                log.warning("live: call %s (%s) is no longer recognised live: %s", call.linkedid, side,
                            problem)
                self._after_call(call, "ended")
        return on_end

    def _on_result(self, call: _LiveCall, side: Side, result: StreamResult) -> None:
        now = self.ctx.clock.time()
        self._note_lag(call, side, result)
        words = result.words
        self.ctx.bus.publish(LiveWords(call.linkedid, call.agent_id, side, result.text, result.final,
                                       words[0].start if words else None,
                                       words[-1].end if words else None, now))
        for spotted in call.spotter.spot(side, result.text):
            if spotted.kind == "emergency":
                text = alert_text(f"紧急情况（{spotted.label}）",
                                  f"emergency ({danger_name(spotted.label, 'en')})", result.text)
                self.ctx.bus.publish(LiveEmergency(call.linkedid, call.caller, call.agent_id,
                                                   spotted.label, result.text, now,
                                                   server=self.ctx.settings.pbx_name))
            else:
                text = alert_text(f"禁用语“{spotted.label}”", f"forbidden phrase “{spotted.label}”",
                                  result.text)
            self.ctx.bus.publish(SupervisorAlert(kind=f"live_{spotted.kind}",  # type: ignore[arg-type]
                                                 text=text, ticket_id=None, callback_id=None, at=now,
                                                 linkedid=call.linkedid, words=result.text,
                                                 agent_id=call.agent_id))
        if result.final:
            call.finals.append((side, result.text))
            self._schedule_prefill(call)

    def _note_lag(self, call: _LiveCall, side: Side, result: StreamResult) -> None:
        tap = next((t for t in call.taps.values() if t.side == side), None)
        if tap is None:
            return
        arrived = next((at for heard, at in tap.arrivals if heard >= result.heard_seconds - 1e-6), None)
        if arrived is not None:
            self.lags.append((asyncio.get_running_loop().time() - arrived, result.final))

    def _schedule_prefill(self, call: _LiveCall) -> None:
        running = self._prefills.get(call.linkedid)
        if running is not None and not running.done():
            return  # the running one reads the finals when it starts; the next final schedules again
        self._prefills[call.linkedid] = asyncio.create_task(self._prefill(call),
                                                            name=f"live:prefill:{call.linkedid}")

    async def _prefill(self, call: _LiveCall) -> None:
        finals = list(call.finals)
        fields = await asyncio.to_thread(prefill_fields, finals, self.settings.hotline.centre.name)
        if fields and fields != call.fields:
            call.fields = fields
            self.ctx.bus.publish(LivePrefill(call.linkedid, call.agent_id, dict(fields),
                                             self.ctx.clock.time()))
        if len(call.finals) != len(finals):
            self._prefills.pop(call.linkedid, None)
            self._schedule_prefill(call)


def _agent_id(hotline: Hotline, interface: str | None) -> str | None:
    """PJSIP/8101 → the hotline agent's 工号 (Local/… members have none)."""
    if not interface:
        return None
    agent = hotline.agent_by_extension(interface.rsplit("/", 1)[-1].split("-", 1)[0])
    return agent.id if agent else None


def build(ctx: ServiceContext) -> LiveComponent | None:
    if ctx.settings.live_streams == 0:
        log.info("live: CALLCENTER_LIVE_STREAMS=0: calls are transcribed after hang-up only")
        return None
    return LiveComponent(ctx)
