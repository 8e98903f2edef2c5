"""The simulated PBX: channels, queues, event emission and the primitives call flows use."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, overload

from callcenter.clock import Clock
from callcenter.pbxsim.channels import CAUSE_TEXT, UP, Channel, ChannelIds, HangupRequest
from callcenter.pbxsim.prompts import prompt_file, wav_seconds
from callcenter.pbxsim.queue_log import QueueLog
from callcenter.pbxsim.queue_state import QueueConfig, QueueState
from callcenter.pbxsim.timebase import ScaledClock
from callcenter.pbxsim.wire import Headers

log = logging.getLogger(__name__)
Listener = Callable[[Headers], None]


@dataclass
class PbxConfig:
    queues: list[QueueConfig] = field(default_factory=lambda: [
        QueueConfig("service", (("Local/agent1@agents", "Agent 1"), ("Local/agent2@agents", "Agent 2"))),
        QueueConfig("repair", (("Local/agent2@agents", "Agent 2"),)),
    ])
    users: dict[str, str] = field(default_factory=lambda: {"callcenter": "secret"})
    # manager.conf ``read``/``write`` per user (e.g. ("system,call", "reporting")); absent: all classes.
    permissions: dict[str, tuple[str, str]] = field(default_factory=dict)
    dialplan: str | None = None  # the extensions.conf text Asterisk has loaded (ShowDialPlan, the doctor)
    data_dir: str = "/var/lib/asterisk"  # astdatadir: prompts under sounds/
    # Prompt-name prefixes installed from elsewhere under sounds/ (e.g. "callcenter" -> the
    # service's CALLCENTER_SOUNDS_DIR): a prompt with a WAV file plays for the file's length.
    sounds: dict[str, str] = field(default_factory=dict)
    default_ring_seconds: float = 8.0
    default_talk_seconds: float = 60.0
    recordings_dir: str = "/var/spool/asterisk/monitor"
    # Prompt lengths in seconds (Playback/STREAM FILE) for prompts without a WAV file;
    # hello-world is what the traces measured between Answer and QueueCallerJoin.
    prompt_seconds: dict[str, float] = field(default_factory=lambda: {
        "hello-world": 1.92, "beep": 0.44, "pls-hold-while-try": 1.6})
    default_prompt_seconds: float = 2.0
    inbound: str = "traces"  # "traces": from-pstn flow of the traces; "hotline": contract C3
    inbound_agi: str | None = None  # agi://host:port/inbound for the hotline flow
    agi_resolver: Any = None  # callable returning the inbound AGI URL once the FastAGI server is up
    hotline: Any = None  # callcenter.hotline.Hotline for the hotline flow
    recorder: Any = None  # callcenter.pbxsim.recordings.Recorder: writes the scripted calls' WAV files
    # The PJSIP trunk endpoints that exist (pjsip.conf). Dialling through any other fails as in
    # Asterisk: "Unable to create PJSIP channel - endpoint '…' was not found", no channel at all.
    trunks: tuple[str, ...] = ("trunk",)
    # The dialplan context of the member phones' own endpoint (pjsip.conf ``context``): a dialled
    # phone's Newchannel shows it with extension ``s`` (seen on Asterisk 20.20.1 with PJSIP).
    phone_context: str = "from-internal"
    queue_log: str | None = None  # where to write Asterisk's queue_log (logger.conf queue_log = yes)
    systemname: str = ""  # asterisk.conf systemname: the prefix of every Uniqueid
    # PJSIP phones (endpoint names) not registered when the PBX starts; every other one is.
    unregistered: tuple[str, ...] = ()


class Pbx:
    def __init__(self, config: PbxConfig | None = None, *, speed: float = 1.0, clock: Clock | None = None,
                 seed: int = 0) -> None:
        self.config = config or PbxConfig()
        self.rng = random.Random(seed)
        self.recorder = self.config.recorder
        self.queue_log = QueueLog(self.config.queue_log) if self.config.queue_log else None
        self.timebase = clock if isinstance(clock, ScaledClock) else ScaledClock(speed)
        self.clock: Clock = clock or self.timebase
        self.ids = ChannelIds(systemname=self.config.systemname)
        self.channels: dict[str, Channel] = {}
        self.listeners: list[Listener] = []
        self.globals: dict[str, str] = {}
        self.events_emitted = 0
        self._last_ts = 0.0
        self._tasks: set[asyncio.Task[Any]] = set()
        self.started_at = self.clock.time()
        self.queues = {q.name: QueueState(q, self.clock.time()) for q in self.config.queues}
        self.member_state: dict[str, str] = {}  # interface -> "ringing" | "inuse"
        self.unregistered: set[str] = set(self.config.unregistered)  # registrations.py
        self.contact_ports: dict[str, int] = {}  # a registered phone's contact port (ContactStatus URI)
        self.calls: dict[str, Any] = {}  # linkedid -> CallLog (heard prompts, recordings, outcome)
        self.down = False  # restarting (restart.py): no call can reach it

    # --- time -------------------------------------------------------------------------------
    def now(self) -> float:
        return self.clock.time()

    async def sleep(self, seconds: float) -> None:
        await self.timebase.sleep(seconds)

    @overload
    async def wait(self, channel: Channel, seconds: float | None) -> HangupRequest | None: ...

    @overload
    async def wait(self, channel: Channel, seconds: float | None,
                   *others: asyncio.Future[Any]) -> HangupRequest | asyncio.Future[Any] | None: ...

    async def wait(self, channel: Channel, seconds: float | None,
                   *others: asyncio.Future[Any]) -> HangupRequest | asyncio.Future[Any] | None:
        """Wait ``seconds`` (None: forever) on ``channel``: returns a pending hang-up/redirect
        request as soon as one arrives, one of ``others`` if it completes first, else None."""
        if channel.pending is not None:
            return channel.take_request()
        waiters: list[asyncio.Future[Any]] = [asyncio.ensure_future(channel.signal.wait())]
        timer = asyncio.ensure_future(self.sleep(seconds)) if seconds is not None else None
        if timer is not None:
            waiters.append(timer)
        try:
            done, _ = await asyncio.wait([*waiters, *others], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        if channel.pending is not None:
            return channel.take_request()
        return next((f for f in others if f in done), None)

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str = "pbxsim") -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("pbxsim task %s failed", task.get_name(), exc_info=task.exception())

    def later(self, seconds: float, action: Callable[[], None]) -> asyncio.Task[Any]:
        async def run() -> None:
            await self.sleep(seconds)
            action()
        return self.spawn(run(), "pbxsim-timer")

    async def stop(self) -> None:
        await self.cancel_tasks()
        if self.recorder is not None:
            await self.recorder.close()

    async def cancel_tasks(self) -> None:
        """End every call flow and timer (what dies with the Asterisk process)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    # --- events -----------------------------------------------------------------------------
    def timestamp(self) -> str:
        # Asterisk's Timestamps within a burst are microseconds apart and (almost) never go back.
        now = max(self.clock.time(), self._last_ts + 0.000001)
        self._last_ts = now
        return f"{now:.6f}"

    def emit(self, event: str, privilege: str, headers: Headers) -> None:
        message: Headers = [("Event", event), ("Privilege", privilege), ("Timestamp", self.timestamp())]
        message += headers
        self.events_emitted += 1
        for listener in list(self.listeners):
            listener(message)

    def queue_log_line(self, caller: Channel, queue: str, agent: str, event: str, *data: object,
                       at: float | None = None) -> None:
        """One queue_log line for the caller's stay in ``queue`` (when a queue_log is configured),
        stamped ``at`` when its data was computed from that moment."""
        if self.queue_log is not None:
            stamp = self.now() if at is None else at
            self.queue_log.write(stamp, caller.uniqueid, queue, agent, event, *data)

    def call_event(self, event: str, channel: Channel, *extra: tuple[str, str]) -> None:
        self.emit(event, "call,all", channel.headers() + list(extra))

    def agent_event(self, event: str, channel: Channel, *extra: tuple[str, str]) -> None:
        self.emit(event, "agent,all", channel.headers() + list(extra))

    # --- channels ---------------------------------------------------------------------------
    def new_channel(self, name: str, context: str, exten: str, *, linkedid: str | None = None,
                    state: int = 0, variables: dict[str, str] | None = None) -> Channel:
        now = self.now()
        uniqueid = self.ids.uniqueid(now)
        channel = Channel(name=name, uniqueid=uniqueid, linkedid=linkedid or uniqueid, context=context,
                          exten=exten, state=state, created_at=now, variables=dict(variables or {}))
        self.channels[name] = channel
        return channel

    def set_var(self, channel: Channel, name: str, value: str) -> None:
        channel.variables[name] = value
        self.call_event("VarSet", channel, ("Variable", name), ("Value", value))

    def newexten(self, channel: Channel, priority: int, application: str, data: str) -> None:
        channel.priority = priority
        channel.application, channel.app_data = application, data
        self.call_event("Newexten", channel, ("Extension", channel.exten), ("Application", application),
                        ("AppData", data))

    def set_state(self, channel: Channel, state: int) -> None:
        channel.state = state
        if state == UP and channel.answered_at is None:
            channel.answered_at = self.now()
        self.call_event("Newstate", channel)

    def hangup(self, channel: Channel, cause: int) -> None:
        if channel.hungup:
            return
        channel.hungup = True
        for hook in channel.on_hangup:  # e.g. a deferred AgentComplete (traces README, 10)
            hook()
        if self.recorder is not None:  # MixMonitor's files are closed before the Hangup goes out
            self.recorder.hangup(self, channel)
        self.call_event("Hangup", channel, ("Cause", str(cause)),
                        ("Cause-txt", CAUSE_TEXT.get(cause, "Unknown")))
        for hook in channel.after_hangup:
            hook()
        self.channels.pop(channel.name, None)

    def hangup_request(self, channel: Channel, cause: int | None, soft: bool = False) -> None:
        extra = [] if cause is None else [("Cause", str(cause))]
        self.call_event("SoftHangupRequest" if soft else "HangupRequest", channel, *extra)

    def inbound_agi(self) -> str | None:
        if self.config.agi_resolver is not None:
            return self.config.agi_resolver()  # type: ignore[no-any-return]
        return self.config.inbound_agi

    def prompt_seconds(self, name: str) -> float:
        """As long as the prompt's WAV file plays, as on Asterisk; the configured length without one."""
        seconds = wav_seconds(prompt_file(self.config.data_dir, self.config.sounds, name))
        if seconds is not None:
            return seconds
        return self.config.prompt_seconds.get(name, self.config.default_prompt_seconds)
