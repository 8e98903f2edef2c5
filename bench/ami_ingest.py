"""AMI ingest: how many AMI events per second the service takes in, end to end, and how soon
after the answer arrives the greeting is decided (R2).

A large stream is built from the real trace calls (every recorded call, copied with new
Uniqueids, Linkedids, channel names and times) and served over loopback TCP by a small
Asterisk stand-in (banner, Login, CoreShowChannels/QueueStatus lists, Ping). It is measured
twice in the same run:

* the service: AmiListener → EventPump → CallTracker → the writer process (spool fsync'd, then
  SQLite, WAL) — from the first byte sent until the last call is committed; decision latency = from the
  read that delivered a DialEnd ANSWER to the GreetingDecision being published;
* the baseline: panoramisk's bare protocol parser (AMIProtocol.data_received → Message →
  dispatch), counting events, nothing else.

Targets: ≥ 20,000 events/s end to end, ≥ 0.7 × the bare parser's rate, p99 decision < 5 ms.
"""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from callcenter.ami._panoramisk import AMIProtocol
from callcenter.ami.connection import AmiListener, ListenerTiming
from callcenter.calls.model import CallRecord, GreetingDecision
from callcenter.calls.pump import EventPump
from callcenter.calls.replay import replay_chunks
from callcenter.calls.tracker import CallTracker
from callcenter.config import AmiSettings, Secret
from callcenter.db.session import migrate
from callcenter.store.writer_child import WriterSettings
from callcenter.store.writer_process import WriterProcess

ROOT = Path(__file__).resolve().parents[1]
TRACES = ROOT / "tests" / "data" / "ami-traces"
RESULTS = Path(__file__).with_name("results")
NAMES = ["answered_fast", "rollover", "abandoned", "two_concurrent", "sip_answered_fast", "sip_abandoned",
         "sip_hold", "queue_agi_greeting"]
ROUNDS = 150
_ID = re.compile(rb"\b(\d{10})\.(\d{1,5})\b")
_CHANNEL = re.compile(rb"-([0-9a-f]{8})(?=[;\r])")
_STAMP = re.compile(rb"Timestamp: (\d{10}\.\d{6})")


def trace_calls() -> tuple[bytes, int, list[CallRecord]]:
    """One round: every trace's event messages (no login/logoff responses), their count, and the
    records a plain replay of that round gives (what every copy must come out as)."""
    parts, messages = [], 0
    for name in NAMES:
        _, _, rest = (TRACES / f"{name}.ami").read_bytes().partition(b"\r\n")
        events = [m for m in rest.split(b"\r\n\r\n") if m.startswith(b"Event:")]
        parts.append(b"".join(m + b"\r\n\r\n" for m in events))
        messages += len(events)
    round_bytes = b"".join(parts)
    return round_bytes, messages, replay_chunks([round_bytes])


def copy_round(round_bytes: bytes, k: int) -> bytes:
    """The same calls with new identities and times: nothing in them is shared with another copy."""
    out = _ID.sub(lambda m: m.group(1) + b"." + m.group(2) + b"%06d" % k, round_bytes)
    out = _CHANNEL.sub(lambda m: b"-%08x" % (int(m.group(1), 16) + (k + 1) * 0x1000), out)
    return _STAMP.sub(lambda m: b"Timestamp: %.6f" % (float(m.group(1)) + k * 1000.0), out)


class StandIn:
    """Serves the stream after the listener's resync (or at once, for the bare parser)."""

    def __init__(self, stream: bytes, login: bool) -> None:
        self.stream, self.login = stream, login
        self.started_perf = 0.0
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Asterisk Call Manager/9.0.0\r\n")
        try:
            if not self.login:
                await self._blast(writer)
            while block := await reader.readuntil(b"\r\n\r\n"):
                fields = dict(line.split(": ", 1) for line in block.decode().split("\r\n") if ": " in line)
                aid = fields.get("ActionID", "")
                if fields["Action"] in ("CoreShowChannels", "QueueStatus"):
                    writer.write(f"Response: Success\r\nActionID: {aid}\r\nEventList: start\r\n\r\n"
                                 f"Event: {fields['Action']}Complete\r\nActionID: {aid}\r\nEventList: "
                                 "Complete\r\nListItems: 0\r\n\r\n".encode())
                else:
                    writer.write(f"Response: Success\r\nActionID: {aid}\r\nMessage: ok\r\n\r\n".encode())
                if fields["Action"] == "QueueStatus":
                    await self._blast(writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _blast(self, writer: asyncio.StreamWriter) -> None:
        self.started_perf = time.perf_counter()
        view = memoryview(self.stream)
        for i in range(0, len(view), 1 << 20):
            writer.write(view[i:i + (1 << 20)])
            await writer.drain()


async def run_service(stream: bytes, messages: int, calls: int, db_url: str,
                      spool_dir: Path) -> dict[str, Any]:
    stand_in = StandIn(stream, login=True)
    port = await stand_in.start()
    latencies: list[float] = []
    done = asyncio.Event()
    stored: list[CallRecord] = []

    def on_stored(call_id: int, record: CallRecord) -> None:
        stored.append(record)
        if len(stored) == calls:
            done.set()

    writer = WriterProcess(WriterSettings(db_url, spool_dir, 1 << 32, "bench", {}), on_stored=on_stored)
    pump_ref: list[EventPump] = []

    def publish(message: object) -> None:
        if isinstance(message, GreetingDecision):
            latencies.append(time.perf_counter() - pump_ref[0].current_arrival_perf)

    tracker = CallTracker(publish=publish, on_finished=writer.submit)
    pump = EventPump(tracker)
    pump_ref.append(pump)
    settings = AmiSettings("127.0.0.1", port, "bench", Secret("x"), "bench", Secret("x"))
    listener = AmiListener(settings, pump.put, ListenerTiming(ping_interval=60.0), room=pump.room)
    await writer.start()
    await writer.ready()  # its start-up (a Python process) is not part of the measure
    await pump.start()
    await listener.start()
    try:
        await asyncio.wait_for(done.wait(), 600)
        elapsed = time.perf_counter() - stand_in.started_perf
    finally:
        await listener.stop()
        await pump.stop()
        await writer.stop()
        await stand_in.stop()
    greetings = sorted(str(r.greeting) for r in stored)
    return {"events": pump.events, "seconds": elapsed, "events_per_s": pump.events / elapsed,
            "calls_stored": len(stored),
            "decisions": len(latencies), "latency_ms_p50": statistics.median(latencies) * 1000,
            "latency_ms_p99": statistics.quantiles(latencies, n=100)[98] * 1000,
            "latency_ms_max": max(latencies) * 1000,
            "apology_greetings": greetings.count("apology"),
            "standard_greetings": greetings.count("standard")}


class _CountingFactory:
    """What AMIProtocol needs from a Manager: somewhere to dispatch events."""

    forgetable_actions = ("ping", "login")

    def __init__(self, expected: int, done: asyncio.Event) -> None:
        self.count, self.expected, self.done = 0, expected, done
        self.awaiting_actions: list[Any] = []

    def dispatch(self, message: Any) -> None:
        self.count += 1
        if self.count == self.expected:
            self.done.set()

    def connection_lost(self, exc: Exception | None) -> None:
        pass


async def run_bare_panoramisk(stream: bytes, messages: int) -> dict[str, Any]:
    stand_in = StandIn(stream, login=False)
    port = await stand_in.start()
    done = asyncio.Event()
    factory = _CountingFactory(messages, done)

    loop = asyncio.get_running_loop()
    transport, proto = await loop.create_connection(AMIProtocol, "127.0.0.1", port)
    proto.factory = factory
    try:
        await asyncio.wait_for(done.wait(), 600)
        elapsed = time.perf_counter() - stand_in.started_perf
    finally:
        transport.close()
        await stand_in.stop()
    return {"events": factory.count, "seconds": elapsed, "events_per_s": factory.count / elapsed}


async def _main() -> dict[str, Any]:
    round_bytes, per_round, round_records = trace_calls()
    stream = b"".join(copy_round(round_bytes, k) for k in range(ROUNDS))
    messages, calls = per_round * ROUNDS, len(round_records) * ROUNDS
    bare = await run_bare_panoramisk(stream, messages)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        await asyncio.to_thread(migrate, url)
        service = await run_service(stream, messages, calls, url, Path(tmp) / "spool")
    apologies = sum(r.greeting == "apology" for r in round_records) * ROUNDS
    if service["calls_stored"] != calls or service["apology_greetings"] != apologies:
        raise RuntimeError(f"the service got the copies wrong: {service['calls_stored']} calls stored "
                           f"(expected {calls}), {service['apology_greetings']} apologies "
                           f"(expected {apologies})")
    return {"rounds": ROUNDS, "stream_bytes": len(stream), "messages": messages, "calls": calls,
            "spool": "on: every call fsync'd to the write-ahead spool (one fsync per batch) before SQLite",
            "service_end_to_end": service, "panoramisk_bare_parser": bare,
            "ratio_service_to_bare": service["events_per_s"] / bare["events_per_s"],
            "targets": {"events_per_s": 20000, "ratio": 0.7, "latency_ms_p99": 5.0}}


def main() -> None:
    result = asyncio.run(_main())
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ami_ingest.json").write_text(json.dumps(result, indent=2) + "\n")
    service, bare = result["service_end_to_end"], result["panoramisk_bare_parser"]
    print(f"stream: {result['messages']} events, {result['calls']} calls, "
          f"{result['stream_bytes'] / 1e6:.1f} MB")
    print(f"service (listener → tracker → spool → SQLite): {service['events_per_s']:,.0f} events/s, "
          f"{service['calls_stored']} calls stored in {service['seconds']:.2f} s")
    print(f"panoramisk bare parser:                {bare['events_per_s']:,.0f} events/s")
    print(f"ratio service / bare: {result['ratio_service_to_bare']:.2f}")
    print(f"greeting decision latency: p50 {service['latency_ms_p50']:.3f} ms, p99 "
          f"{service['latency_ms_p99']:.3f} ms, "
          f"max {service['latency_ms_max']:.3f} ms over {service['decisions']} answers")


if __name__ == "__main__":
    main()
