"""The live listener over real TCP against a small Asterisk stand-in that plays recorded traces:
reconnect after a drop mid-call with a CoreShowChannels/QueueStatus resync (Asterisk 20's
EventList start/items/Complete), ping-timeout detection, login failure reported clearly,
capped backoff while Asterisk is away."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

import pytest

from callcenter.ami.connection import AmiListener, Batch, ListenerItem, ListenerTiming
from callcenter.calls.model import CallRecord
from callcenter.calls.pump import EventPump
from callcenter.calls.tracker import CallTracker
from callcenter.config import AmiSettings, Secret

BANNER = b"Asterisk Call Manager/9.0.0\r\n"
FAST = ListenerTiming(ping_interval=30.0, ping_timeout=5.0, backoff_initial=0.01, backoff_max=0.05,
                      connect_timeout=5.0)


def trace_events(traces_dir: Path, name: str) -> list[bytes]:
    """The trace's messages after the login response, without the final Goodbye."""
    _, _, rest = (traces_dir / f"{name}.ami").read_bytes().partition(b"\r\n")
    messages = [m for m in rest.split(b"\r\n\r\n") if m]
    return [m for m in messages if not m.startswith(b"Response:")]


def headers_of(message: bytes) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in message.decode().split("\r\n") if ": " in line)


def frame(*pairs: tuple[str, str]) -> bytes:
    return b"".join(f"{k}: {v}\r\n".encode() for k, v in pairs) + b"\r\n"


@dataclass
class Session:
    """What the stand-in plays in one TCP session after the listener's resync."""

    events: list[bytes]
    drop_after: bool = False  # close the socket once played (a crash, a cable pulled)
    live_channels: list[dict[str, str]] = field(default_factory=list)  # CoreShowChannels answer
    answer_ping: bool = True
    channels_end: str = "CoreShowChannelsComplete"  # the name of the list's closing event
    trickle: list[bytes] = field(default_factory=list)  # then written one by one, each in a read of its own


class FakeAsterisk:
    def __init__(self, sessions: list[Session], secret: str = "s3cret") -> None:
        self.sessions, self.secret = sessions, secret
        self.logins = 0
        self.actions: list[str] = []
        self.server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def __aenter__(self) -> Self:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self._writers:
            writer.close()
        await self.server.wait_closed()

    def settings(self, secret: str | None = None) -> AmiSettings:
        assert self.server is not None
        port = self.server.sockets[0].getsockname()[1]
        return AmiSettings("127.0.0.1", port, "callcenter", Secret(secret or self.secret), "actions",
                           Secret("x"))

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        writer.write(BANNER)
        index = min(self.logins, len(self.sessions) - 1)
        session = self.sessions[index]
        try:
            while block := await reader.readuntil(b"\r\n\r\n"):
                action = headers_of(block)
                self.actions.append(action["Action"])
                if not await self._answer(action, session, writer):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _answer(self, action: dict[str, str], session: Session, writer: asyncio.StreamWriter) -> bool:
        aid = ("ActionID", action.get("ActionID", ""))
        name = action["Action"]
        if name == "Login":
            self.logins += 1
            if action.get("Secret") != self.secret:
                writer.write(frame(("Response", "Error"), aid, ("Message", "Authentication failed")))
                await writer.drain()
                return False  # Asterisk closes the connection itself
            writer.write(frame(("Response", "Success"), aid, ("Message", "Authentication accepted")))
            writer.write(frame(("Event", "FullyBooted"), ("Privilege", "system,all"),
                               ("Status", "Fully Booted")))
        elif name == "CoreShowChannels":
            writer.write(frame(("Response", "Success"), aid, ("EventList", "start"),
                               ("Message", "Channels will follow")))
            for channel in session.live_channels:
                writer.write(frame(("Event", "CoreShowChannel"), aid, *channel.items()))
            writer.write(frame(("Event", session.channels_end), aid, ("EventList", "Complete"),
                               ("ListItems", str(len(session.live_channels)))))
        elif name == "QueueStatus":
            writer.write(frame(("Response", "Success"), aid, ("EventList", "start"),
                               ("Message", "Queue status will follow")))
            writer.write(frame(("Event", "QueueMember"), aid, ("Queue", "service"), ("Name", "Agent 1"),
                               ("Location", "Local/agent1@agents"), ("StateInterface", "Local/agent1@agents"),
                               ("Status", "2"), ("Paused", "0"), ("PausedReason", "")))
            writer.write(frame(("Event", "QueueStatusComplete"), aid, ("EventList", "Complete"),
                               ("ListItems", "1")))
            writer.write(b"".join(m + b"\r\n\r\n" for m in session.events))
            await writer.drain()
            for piece in session.trickle:
                await asyncio.sleep(0.05)
                writer.write(piece)
                await writer.drain()
            if session.drop_after:
                writer.transport.abort()
                return False
        elif name == "Getvar":  # as an Asterisk without CDRs answers CDR(start,u): no value
            writer.write(frame(("Response", "Success"), aid, ("Variable", action.get("Variable", "")),
                               ("Value", "")))
        elif name == "Ping" and session.answer_ping:
            writer.write(frame(("Response", "Success"), aid, ("Ping", "Pong"), ("Timestamp", "0.0")))
        await writer.drain()
        return True


def live_channel(newchannel: bytes, application: str, bridge: str = "",
                 duration: str = "00:00:09") -> dict[str, str]:
    h = headers_of(newchannel)
    keep = ("Channel", "ChannelState", "ChannelStateDesc", "CallerIDNum", "CallerIDName", "Context", "Exten",
            "Priority", "Uniqueid", "Linkedid")
    return {**{k: h[k] for k in keep if k in h}, "ChannelStateDesc": "Up", "CallerIDNum": "13800138000",
            "Application": application,
            "ApplicationData": "service,t,,,300" if application == "Queue" else "", "BridgeId": bridge,
            "Duration": duration}


async def run_listener(settings: AmiSettings, until: Callable[[], bool], timing: ListenerTiming = FAST,
                       tracker: CallTracker | None = None) -> tuple[AmiListener, EventPump]:
    pump = EventPump(tracker or CallTracker())
    listener = AmiListener(settings, pump.put, timing)
    await pump.start()
    await listener.start()
    try:
        async with asyncio.timeout(10):
            while not until():
                await asyncio.sleep(0.01)
        await pump.drain()
    finally:
        await listener.stop()
        await pump.stop()
    return listener, pump


async def test_drop_mid_call_then_reconnect_resync_and_finish_the_call(traces_dir: Path) -> None:
    """After the drop the call is still up: the snapshot keeps it, the rest of the stream ends it,
    and it is recorded once, with the ring time and greeting decided before the drop (R1/R2)."""
    events = trace_events(traces_dir, "answered_fast")
    cut = next(i for i, m in enumerate(events) if b"Event: BridgeEnter" in m) + 2
    channels = [m for m in events if m.startswith(b"Event: Newchannel")]
    live = [live_channel(channels[0], "Wait"), live_channel(channels[1], "Queue", "b1"),
            live_channel(channels[2], "AppQueue", "b1"), live_channel(channels[3], "Wait")]
    records: list[CallRecord] = []
    tracker = CallTracker(on_finished=lambda record, journal: records.append(record))
    async with FakeAsterisk([Session(events[:cut], drop_after=True),
                             Session(events[cut:], live_channels=live)]) as pbx:
        listener, _ = await run_listener(pbx.settings(), lambda: bool(records), tracker=tracker)
    assert listener.connects == 2 and pbx.actions.count("CoreShowChannels") == 2
    (record,) = records
    assert record.answered and record.agent == "Local/agent1@agents"
    assert record.ring_seconds == pytest.approx(8.009, abs=0.2) and record.greeting == "standard"
    assert record.hangup_first == "caller" and not record.dropped
    assert tracker.open_calls == 0


async def test_call_that_ended_while_disconnected_is_closed_by_the_snapshot(traces_dir: Path) -> None:
    events = trace_events(traces_dir, "answered_fast")
    cut = next(i for i, m in enumerate(events) if b"Event: BridgeEnter" in m) + 2
    records: list[CallRecord] = []
    tracker = CallTracker(on_finished=lambda record, journal: records.append(record))
    async with FakeAsterisk([Session(events[:cut], drop_after=True), Session([])]) as pbx:
        await run_listener(pbx.settings(), lambda: bool(records), tracker=tracker)
    (record,) = records
    assert record.answered and record.greeting == "standard"
    # Nobody saw who hung up: not blamed on either side, and a lost link is not a dropped call (R9).
    assert record.hangup_first == "unknown" and not record.dropped


async def test_call_in_progress_at_connect_is_picked_up_from_the_snapshot(traces_dir: Path) -> None:
    events = trace_events(traces_dir, "answered_fast")
    channels = [m for m in events if m.startswith(b"Event: Newchannel")]
    live = [live_channel(channels[0], "Wait"), live_channel(channels[1], "Queue")]
    tracker = CallTracker()
    async with FakeAsterisk([Session([], live_channels=live)]) as pbx:
        await run_listener(pbx.settings(), lambda: tracker.open_calls == 1, tracker=tracker)
    (call,) = tracker.live_calls()
    assert call.linkedid == "1795634553.8" and call.queue == "service" and call.caller == "13800138000"
    assert call.state == "waiting"


async def test_unanswered_ping_means_a_dead_link_and_a_reconnect(traces_dir: Path) -> None:
    timing = ListenerTiming(ping_interval=0.05, ping_timeout=0.1, backoff_initial=0.01, backoff_max=0.05)
    async with FakeAsterisk([Session([], answer_ping=False), Session([])]) as pbx:
        listener, _ = await run_listener(pbx.settings(), lambda: pbx.logins >= 2, timing)
    assert "Ping" in pbx.actions and listener.connects >= 2


async def test_login_failure_stops_the_listener_and_says_why(traces_dir: Path,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    """The login_failure trace: Response Error, then Asterisk hangs up. No retry storm."""
    expected = (traces_dir / "login_failure.ami").read_bytes()
    assert b"Message: Authentication failed" in expected
    caplog.set_level(logging.ERROR)
    async with FakeAsterisk([Session([])]) as pbx:
        pump = EventPump(CallTracker())
        listener = AmiListener(pbx.settings(secret="wrong"), pump.put, FAST)
        await listener.start()
        async with asyncio.timeout(5):
            await listener.wait_stopped()
        await listener.stop()
    assert pbx.logins == 1
    assert listener.failure is not None
    failure = str(listener.failure)
    assert "Authentication failed" in failure and "CALLCENTER_AMI_SECRET" in failure
    assert any("AMI listener stopped" in r.getMessage() for r in caplog.records)


async def test_backoff_doubles_up_to_its_cap_without_blocking(unused_tcp_port: int) -> None:
    delays: list[float] = []
    enough = asyncio.Event()

    async def sleep(seconds: float) -> None:
        delays.append(seconds)
        if len(delays) >= 6:
            enough.set()
        await asyncio.sleep(0)

    settings = AmiSettings("127.0.0.1", unused_tcp_port, "callcenter", Secret("x"), "a", Secret("x"))
    listener = AmiListener(settings, lambda item: None,
                           ListenerTiming(backoff_initial=0.5, backoff_max=4.0, connect_timeout=1.0),
                           sleep=sleep)
    await listener.start()
    async with asyncio.timeout(5):
        await enough.wait()
    await listener.stop()
    assert delays[:6] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


async def test_a_chinese_caller_name_split_inside_a_character_across_two_reads_arrives_whole() -> None:
    """The name's UTF-8 bytes are cut in the middle of 业 (3 bytes): decoding each read on its own
    would drop the character; the listener decodes the stream incrementally (R1 caller data)."""
    name = "物业张三"
    message = frame(("Event", "Newchannel"), ("Channel", "PJSIP/trunk-00000001"),
                    ("CallerIDNum", "13800138000"), ("CallerIDName", name), ("Uniqueid", "1795634553.8"))
    cut = message.index(name.encode()) + len("物".encode()) + 1
    items: list[ListenerItem] = []
    async with FakeAsterisk([Session([], trickle=[message[:cut], message[cut:]])]) as pbx:
        listener = AmiListener(pbx.settings(), items.append, FAST)
        await listener.start()
        try:
            async with asyncio.timeout(10):
                while not any(isinstance(i, Batch) and any("CallerIDName" in m.headers for m in i.messages)
                              for i in items):
                    await asyncio.sleep(0.01)
        finally:
            await listener.stop()
    (newchannel,) = [m for i in items if isinstance(i, Batch)
                     for m in i.messages if "CallerIDName" in m.headers]
    assert newchannel.headers["CallerIDName"] == name
    assert newchannel.headers["CallerIDNum"] == "13800138000"


async def test_a_silent_peer_is_declared_dead_at_the_ping_timeout_and_the_listener_reconnects(
        caplog: pytest.LogCaptureFixture) -> None:
    """The peer accepts the login and the resync, then never answers a Ping: the link is
    declared dead for exactly that reason, the listener logs in again and resyncs."""
    caplog.set_level(logging.WARNING)
    timing = ListenerTiming(ping_interval=0.05, ping_timeout=0.2, backoff_initial=0.01, backoff_max=0.05,
                            connect_timeout=30.0)
    async with FakeAsterisk([Session([], answer_ping=False), Session([])]) as pbx:
        listener, _ = await run_listener(pbx.settings(), lambda: pbx.actions.count("QueueStatus") >= 2,
                                         timing)
    assert listener.connects >= 2 and pbx.actions.count("CoreShowChannels") >= 2
    assert any("dead: no answer to Ping in 0.2 s" in r.getMessage() for r in caplog.records)


async def test_reading_pauses_while_the_consumer_is_full_and_nothing_is_lost() -> None:
    """Back-pressure: while the consumer has no room, the listener stops reading (the rest waits in
    the kernel, not in memory); when room comes back every event arrives, in order."""
    count = 4000
    flood = [frame(("Event", "VarSet"), ("Channel", "PJSIP/trunk-00000001"), ("Variable", "N"),
                   ("Value", str(i)))[:-4] for i in range(count)]
    room = asyncio.Event()
    room.set()
    values: list[str] = []
    paused_at: list[int] = []

    def sink(item: ListenerItem) -> None:
        if isinstance(item, Batch):
            values.extend(m.headers["Value"] for m in item.messages if m.headers.get("Event") == "VarSet")
            if values and not paused_at:
                room.clear()  # the consumer's queue is full from here on

    async with FakeAsterisk([Session(flood)]) as pbx:
        listener = AmiListener(pbx.settings(), sink, FAST, room=room)
        await listener.start()
        try:
            async with asyncio.timeout(10):
                while not values:
                    await asyncio.sleep(0.01)
                transport = listener._manager.protocol.transport  # type: ignore[union-attr]
                paused_at.append(len(values))
                assert not transport.is_reading()
                await asyncio.sleep(0.2)  # the peer keeps writing; nothing is read meanwhile
                assert len(values) == paused_at[0] < count
                room.set()
                while len(values) < count:
                    await asyncio.sleep(0.01)
        finally:
            await listener.stop()
    assert values == [str(i) for i in range(count)]


async def test_a_list_ends_at_its_eventlist_complete_header_whatever_its_last_event_is_called(
        traces_dir: Path) -> None:
    """AMI closes a list with ``EventList: Complete``; the snapshot is taken from it even when the
    closing event's name does not end in "Complete" (panoramisk 1.4 waited for such a name)."""
    events = trace_events(traces_dir, "answered_fast")
    channels = [m for m in events if m.startswith(b"Event: Newchannel")]
    tracker = CallTracker()
    async with FakeAsterisk([Session([], live_channels=[live_channel(channels[0], "Wait")],
                                     channels_end="Done")]) as pbx:
        listener, _ = await run_listener(pbx.settings(), lambda: tracker.open_calls == 1, tracker=tracker)
    assert listener.connects == 1


async def test_a_listener_stopped_while_it_connects_closes_the_link_without_a_traceback(
        unused_tcp_port: int) -> None:
    """`callcenter run` stopping at start-up (another part's port in use) just as the AMI link
    came up: the link is closed quietly, not with panoramisk's connection_lost on no manager."""
    loop = asyncio.get_running_loop()
    errors: list[dict[str, object]] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    accepted = asyncio.Event()

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.set()
        await reader.read()  # until the listener closes its end
        writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", unused_tcp_port)
    try:
        settings = AmiSettings("127.0.0.1", unused_tcp_port, "callcenter", Secret("x"), "a", Secret("x"))
        listener = AmiListener(settings, lambda item: None, FAST)
        await listener.start()
        await asyncio.sleep(0)  # the connect is under way
        await listener.stop()
        async with asyncio.timeout(10):
            await accepted.wait()
        for _ in range(20):  # the connect's completion and the transport's close run their callbacks
            await asyncio.sleep(0.01)
    finally:
        server.close()
        await server.wait_closed()
        loop.set_exception_handler(None)
    assert errors == []
