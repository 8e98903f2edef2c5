"""The FastAGI server over real TCP, driven by a FastAGI client that sends the agi_* environment
recorded from Asterisk 20 (queue_agi_greeting.json) and answers commands as a channel would."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from callcenter.bus import EventBus
from callcenter.calls.model import GreetingDecision
from callcenter.clock import FrozenClock
from callcenter.config import Settings, load_settings
from callcenter.db.session import make_engine, make_session_factory, migrate
from callcenter.ivr.component import IvrComponent
from callcenter.ivr.history import InMemoryHistory
from callcenter.messages import AgentStateChanged, MessageLeft
from callcenter.service import ServiceContext

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
OPEN = dt.datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)  # a Wednesday morning
NIGHT = dt.datetime(2026, 11, 25, 22, 30, tzinfo=SHANGHAI)


class Channel:
    """Answers AGI commands like Asterisk does, and remembers what the caller heard."""

    def __init__(self, variables: dict[str, str] | None = None, keys: list[str | None] | None = None,
                 hung_up: bool = False) -> None:
        self.hung_up = hung_up  # a dead channel: Asterisk sends a HANGUP notice before the first reply
        self.variables = dict(variables or {})
        self.keys = list(keys or [])
        self.commands: list[str] = []
        self.heard: list[str] = []

    def answer(self, command: str) -> str:
        self.commands.append(command)
        if self.hung_up and len(self.commands) == 1:
            return "HANGUP\n" + self._reply(command)
        return self._reply(command)

    def _reply(self, command: str) -> str:
        words = command.split(" ", 3)
        verb = " ".join(words[:2])
        if verb == "GET VARIABLE":
            value = self.variables.get(words[2])
            return "200 result=0" if value is None else f"200 result=1 ({value})"
        if verb == "SET VARIABLE":
            self.variables[words[2]] = words[3].strip('"')
            return "200 result=1"
        if verb == "STREAM FILE":
            self.heard.append(words[2])
            return "200 result=0 endpos=3520"
        if verb == "GET DATA":
            self.heard.append(words[2])
            key = self.keys.pop(0) if self.keys else None
            return "200 result= (timeout)" if key is None else f"200 result={key}"
        return "510 Invalid or unknown command"


def trace_environment(traces_dir: Path, **changes: str) -> dict[str, str]:
    env: dict[str,
              str] = json.loads((traces_dir / "queue_agi_greeting.json").read_text())["agi"]["environment"]
    return {**env, **changes}


async def agi_session(address: tuple[str, int], env: dict[str, str], channel: Channel,
                      hang_up_after: int | None = None) -> Channel:
    reader, writer = await asyncio.open_connection(*address)
    writer.write(("".join(f"{k}: {v}\n" for k, v in env.items()) + "\n").encode())
    await writer.drain()
    try:
        while True:
            line = await asyncio.wait_for(reader.readline(), 5)
            if not line:
                break
            if hang_up_after is not None and len(channel.commands) >= hang_up_after:
                channel.commands.append(line.decode().strip())
                break  # the caller hangs up: the socket closes mid-script
            writer.write((channel.answer(line.decode("utf-8").strip()) + "\n").encode())
            await writer.drain()
    finally:
        writer.close()
        await writer.wait_closed()
    return channel


class FakeTracker:
    """Contract C1's one method the IVR uses."""

    def __init__(self, greeting: str | None) -> None:
        self.greeting = greeting
        self.asked: list[tuple[str | None, str | None, float]] = []

    def greeting_for(self, caller_uniqueid: str | None, channel: str | None,
                     now: float) -> GreetingDecision | None:
        self.asked.append((caller_uniqueid, channel, now))
        if self.greeting is None:
            return None
        ring = 8.0 if self.greeting == "standard" else 17.0
        return GreetingDecision("L1", caller_uniqueid, "PJSIP/8101", "101 李秀英", ring,
                                2 if ring < 15 else 4,
                                self.greeting, now)  # type: ignore[arg-type]


@dataclasses.dataclass
class Ivr:
    component: IvrComponent
    ctx: ServiceContext
    clock: FrozenClock
    history: InMemoryHistory
    messages: list[Any]

    @property
    def address(self) -> tuple[str, int]:
        assert self.component.address is not None
        return self.component.address


def _settings(hotline_path: Path, tmp_path: Path,
              change: Callable[[Settings], Settings] | None = None) -> Settings:
    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path), "CALLCENTER_VAR_DIR": str(tmp_path)})
    settings = dataclasses.replace(settings, agi_port=0)
    return change(settings) if change else settings


@pytest.fixture
async def ivr(hotline_path: Path, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Ivr]:
    change = getattr(request, "param", None)
    settings = _settings(hotline_path, tmp_path, change)
    url = f"sqlite:///{tmp_path / 'ivr.db'}"
    migrate(url)  # messages left for a callback are stored before they are announced
    engine = make_engine(url)
    clock = FrozenClock(OPEN)
    ctx = ServiceContext(settings=settings, bus=EventBus(), engine=engine,
                         sessions=make_session_factory(engine),
                         clock=clock)
    messages: list[Any] = []
    ctx.bus.subscribe_sync(MessageLeft, messages.append)
    history = InMemoryHistory()
    component = IvrComponent(ctx, history=history)
    await component.start()
    try:
        yield Ivr(component, ctx, clock, history, messages)
    finally:
        await component.stop()
        engine.dispose()


# --- answered: R2/R3 greeting on answer -----------------------------------------------------

async def test_answer_within_three_rings_announces_the_agent_r3(ivr: Ivr, traces_dir: Path) -> None:
    ivr.ctx.tracker = tracker = FakeTracker("standard")
    env = trace_environment(traces_dir)
    channel = await agi_session(ivr.address, env, Channel({"MEMBERINTERFACE": "PJSIP/8101",
                                                           "MEMBERNAME": "101 李秀英"}))
    assert channel.commands == ["GET VARIABLE MEMBERINTERFACE", "GET VARIABLE MEMBERNAME",
                                'STREAM FILE callcenter/zh/agent_101 ""']
    # C1: asked by the Queue() channel's uniqueid and name, at the request's arrival time.
    assert tracker.asked == [("1795635060.69", "Local/inbound@from-pstn-00000021;2", ivr.clock.time())]


async def test_late_answer_gets_the_apology_r2(ivr: Ivr, traces_dir: Path) -> None:
    ivr.ctx.tracker = FakeTracker("apology")
    channel = await agi_session(ivr.address, trace_environment(traces_dir),
                                Channel({"MEMBERINTERFACE": "PJSIP/8102", "MEMBERNAME": "102 王磊"}))
    assert channel.heard == ["callcenter/zh/agent_102_apology"]


async def test_member_without_hotline_agent_gets_the_numberless_greeting(ivr: Ivr, traces_dir: Path) -> None:
    ivr.ctx.tracker = FakeTracker("apology")  # the trace's member: Local/agent1@agents, "Agent 1"
    channel = await agi_session(ivr.address, trace_environment(traces_dir),
                                Channel({"MEMBERINTERFACE": "Local/agent1@agents", "MEMBERNAME": "Agent 1"}))
    assert channel.heard == ["callcenter/zh/agent_apology"]


async def test_unknown_call_gets_the_standard_greeting(ivr: Ivr, traces_dir: Path) -> None:
    ivr.ctx.tracker = FakeTracker(None)
    channel = await agi_session(ivr.address, trace_environment(traces_dir),
                                Channel({"MEMBERINTERFACE": "PJSIP/8201", "MEMBERNAME": "201 陈师傅"}))
    assert channel.heard == ["callcenter/zh/agent_201"]


# --- inbound: greeting, menu, routing -------------------------------------------------------

def _inbound(traces_dir: Path, caller: str = "13800138000") -> dict[str, str]:
    return trace_environment(traces_dir, agi_network_script="inbound",
                             agi_request="agi://127.0.0.1:4573/inbound",
                             agi_callerid=caller, agi_channel="PJSIP/trunk-00000001", agi_priority="3")


async def test_menu_key_routes_to_the_department_queue(ivr: Ivr, traces_dir: Path) -> None:
    channel = await agi_session(ivr.address, _inbound(traces_dir), Channel(keys=["1"]))
    assert channel.commands[:2] == ['STREAM FILE callcenter/zh/greeting ""',
                                    "GET DATA callcenter/zh/menu 5000 1"]
    assert channel.variables.items() >= {"CC_ROUTE": "queue", "CC_TARGET": "repair",
                                         "CC_DEPARTMENT": "repair",
                                         "CC_QUEUE": "repair", "CC_CALLER_NAME": ""}.items()


async def test_invalid_key_is_explained_and_asked_again(ivr: Ivr, traces_dir: Path) -> None:
    channel = await agi_session(ivr.address, _inbound(traces_dir), Channel(keys=["7", "2"]))
    assert channel.heard == ["callcenter/zh/greeting", "callcenter/zh/menu", "callcenter/zh/invalid_key",
                             "callcenter/zh/menu"]
    assert channel.variables["CC_TARGET"] == "billing"


async def test_no_key_goes_to_the_default_department(ivr: Ivr, traces_dir: Path) -> None:
    channel = await agi_session(ivr.address, _inbound(traces_dir), Channel(keys=[None]))
    assert channel.heard == ["callcenter/zh/greeting", "callcenter/zh/menu"]
    assert channel.variables["CC_ROUTE"] == "queue" and channel.variables["CC_TARGET"] == "service"


async def test_wrong_keys_up_to_max_attempts_end_in_the_default_department(ivr: Ivr,
                                                                           traces_dir: Path) -> None:
    channel = await agi_session(ivr.address, _inbound(traces_dir), Channel(keys=["9", "8", "7", "1"]))
    assert channel.heard.count("callcenter/zh/menu") == 3  # menu.max_attempts
    assert channel.variables["CC_TARGET"] == "service" and channel.keys == ["1"]


async def test_after_hours_goes_to_the_message_path_r18(ivr: Ivr, traces_dir: Path) -> None:
    ivr.clock.set(NIGHT)
    channel = await agi_session(ivr.address, _inbound(traces_dir), Channel(keys=["1"]))
    assert channel.heard == []  # the after_hours prompt is the dialplan's
    assert channel.variables["CC_ROUTE"] == "after_hours" and channel.variables["CC_DEPARTMENT"] == "service"


def _with_blocked(settings: Settings) -> Settings:
    hotline = settings.hotline.model_copy(update={"blocked_numbers": ["+86 139-9999-0000"]})
    return dataclasses.replace(settings, hotline=hotline)


@pytest.mark.parametrize("ivr", [_with_blocked], indirect=True)
async def test_blocked_number_is_refused(ivr: Ivr, traces_dir: Path) -> None:
    channel = await agi_session(ivr.address, _inbound(traces_dir, caller="+8613999990000"),
                                Channel(keys=["1"]))
    assert channel.heard == [] and channel.variables["CC_ROUTE"] == "blocked"
    other = await agi_session(ivr.address, _inbound(traces_dir, caller="13800138000"), Channel(keys=["1"]))
    assert other.variables["CC_ROUTE"] == "queue"


def _state(interface: str, state: str) -> AgentStateChanged:
    return AgentStateChanged(interface, None, state, False, None, "service", 0.0)  # type: ignore[arg-type]


async def test_repeat_caller_rings_the_free_owner_first_r14_r15(ivr: Ivr, traces_dir: Path) -> None:
    ivr.history.owners["13800138000"] = "102"
    ivr.history.names["13800138000"] = "王先生"
    ivr.ctx.bus.publish(_state("PJSIP/8102", "available"))
    channel = await agi_session(ivr.address, _inbound(traces_dir), Channel(keys=["1"]))
    assert channel.heard == ["callcenter/zh/greeting"]  # no menu: straight to the owner
    assert {k: channel.variables[k] for k in ("CC_ROUTE", "CC_TARGET", "CC_QUEUE", "CC_CALLER_NAME")} == \
        {"CC_ROUTE": "extension", "CC_TARGET": "8102", "CC_QUEUE": "service", "CC_CALLER_NAME": "王先生"}


async def test_repeat_caller_whose_owner_is_busy_uses_the_menu_r14(ivr: Ivr, traces_dir: Path) -> None:
    ivr.history.owners["13800138000"] = "102"
    ivr.history.names["13800138000"] = "王先生"
    ivr.ctx.bus.publish(_state("PJSIP/8102", "available"))
    ivr.ctx.bus.publish(_state("PJSIP/8102", "talking"))
    channel = await agi_session(ivr.address, _inbound(traces_dir), Channel(keys=["1"]))
    assert channel.variables["CC_ROUTE"] == "queue" and channel.variables["CC_TARGET"] == "repair"
    assert channel.variables["CC_CALLER_NAME"] == "王先生"  # R15 all the same


# --- message and robustness -----------------------------------------------------------------

async def test_message_after_hours_is_published_for_a_callback_r18(ivr: Ivr, traces_dir: Path) -> None:
    env = _inbound(traces_dir) | {"agi_network_script": "message", "agi_uniqueid": "1795635060.70"}
    await agi_session(ivr.address, env,
                      Channel({"CC_MESSAGE_REASON": "after_hours", "CC_DEPARTMENT": "service",
                                                 "RECORDED_FILE": "/var/spool/asterisk/monitor/m-1",
                                                 "CHANNEL(linkedid)": "1795635060.69"}))
    assert ivr.messages == [MessageLeft("1795635060.69", "13800138000", "after_hours", "service", None,
                                        "/var/spool/asterisk/monitor/m-1.wav", ivr.clock.time(),
                                        server="pbx", message_id=1)]


async def test_message_from_a_hung_up_channel_is_still_published_r12(ivr: Ivr, traces_dir: Path) -> None:
    env = _inbound(traces_dir) | {"agi_network_script": "message"}
    await agi_session(ivr.address, env,
                      Channel({"CC_MESSAGE_REASON": "transfer_failed", "CC_AGENT_ID": "201"},
                                                hung_up=True))
    [message] = ivr.messages
    assert (message.reason, message.agent_id) == ("transfer_failed", "201")


async def test_message_without_variables_infers_the_reason(ivr: Ivr, traces_dir: Path) -> None:
    env = _inbound(traces_dir) | {"agi_network_script": "message"}
    await agi_session(ivr.address, env, Channel({"CC_ROUTE": "extension", "CC_AGENT_ID": "103"}))
    [message] = ivr.messages
    assert (message.reason, message.agent_id, message.linkedid, message.recording) == \
        ("transfer_failed", "103", "1795635060.69", None)


async def test_bad_requests_and_hangups_leave_the_server_running(ivr: Ivr, traces_dir: Path) -> None:
    _reader, writer = await asyncio.open_connection(*ivr.address)
    writer.write(b"agi_network: yes\n")  # closes before the environment ends
    writer.close()
    await writer.wait_closed()
    await agi_session(ivr.address, trace_environment(traces_dir, agi_network_script="nonesuch"), Channel())
    hung = await agi_session(ivr.address, _inbound(traces_dir), Channel(keys=["1"]), hang_up_after=1)
    assert "CC_ROUTE" not in hung.variables
    channel = await agi_session(ivr.address, _inbound(traces_dir), Channel(keys=["3"]))
    assert channel.variables["CC_TARGET"] == "service"


async def test_stop_ends_sessions_in_progress_and_frees_the_port(ivr: Ivr, traces_dir: Path) -> None:
    reader, writer = await asyncio.open_connection(*ivr.address)
    env = _inbound(traces_dir)
    writer.write(("".join(f"{k}: {v}\n" for k, v in env.items()) + "\n").encode())
    await writer.drain()
    assert (await asyncio.wait_for(reader.readline(), 5)).startswith(b"STREAM FILE callcenter/zh/greeting")
    # The caller is mid-greeting (no reply yet) when the service stops.
    await asyncio.wait_for(ivr.component.stop(), 5)
    assert await asyncio.wait_for(reader.read(), 5) == b""  # the server closed the session
    writer.close()
    await writer.wait_closed()
    with pytest.raises(OSError):
        await asyncio.open_connection(*ivr.address)


async def test_unknown_time_zone_stops_start_up(hotline_path: Path, tmp_path: Path) -> None:
    from callcenter.errors import ConfigError

    def odd_zone(settings: Settings) -> Settings:
        centre = settings.hotline.centre.model_copy(update={"timezone": "Asia/Atlantis"})
        return dataclasses.replace(settings, hotline=settings.hotline.model_copy(update={"centre": centre}))

    engine = make_engine(f"sqlite:///{tmp_path / 'unused.db'}")
    ctx = ServiceContext(settings=_settings(hotline_path, tmp_path, odd_zone), bus=EventBus(), engine=engine,
                         sessions=make_session_factory(engine))
    try:
        with pytest.raises(ConfigError, match="Asia/Atlantis"):
            IvrComponent(ctx)
    finally:
        engine.dispose()
