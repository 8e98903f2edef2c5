"""Wallboard latency: from the tracker's bus message to the browser's SSE client, with 50 calls
in progress and three wallboards open. Target: p95 < 1 s.

The clients run in threads of their own (as browsers would, outside the service's event loop)
and stamp each ``call`` event on arrival. Baseline in the same run: a plain bus subscriber's
delivery time for the same messages (the part no web code adds).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._common import ROOT, SseClient, percentile, write_result
from callcenter.calls.model import HoldChanged
from callcenter.clock import SystemClock
from callcenter.db.session import migrate
from callcenter.web.component import WebComponent

CALLS_IN_PROGRESS = 50
EVENTS = 400
RATE_PER_SECOND = 50
CLIENTS = 3
TARGET_P95_S = 1.0


class Client(SseClient):
    path, ready_kind, stamped_kind = "/wallboard/events", "snapshot", "call"

    def stamp(self, data: dict[str, Any]) -> None:
        self.arrivals[data["call"]["since"]] = time.perf_counter()  # `since` is unique per message


async def run() -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from tests.browser.webapp import SUPERVISOR, password, place_call, web_context

    with tempfile.TemporaryDirectory(prefix="bench-wallboard-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'web.db'}"
        migrate(url)
        ctx = web_context(url, Path(tmp), clock=SystemClock(), CALLCENTER_WEB_PORT="0")
        bus_arrivals: dict[float, float] = {}
        ctx.bus.subscribe(HoldChanged, lambda m: bus_arrivals.__setitem__(m.at, time.perf_counter()),
                          name="bench")
        await ctx.bus.start()
        web = WebComponent(ctx)
        await web.start()
        clients = [Client(f"http://127.0.0.1:{web.port}", SUPERVISOR,
                          password(SUPERVISOR)) for _ in range(CLIENTS)]
        for client in clients:
            client.start()
        for client in clients:
            await asyncio.to_thread(client.ready.wait, 30)
        now = time.time()
        for n in range(CALLS_IN_PROGRESS):
            place_call(ctx.bus, f"live-{n}", f"1380013{n:04d}", now, ring_started_at=now - n % 20)
        await asyncio.sleep(1.0)
        sent: dict[float, float] = {}
        for i in range(EVENTS):
            at = now + 1000 + i * 0.001  # unique stamp that comes back as the row's `since`
            sent[at] = time.perf_counter()
            ctx.bus.publish(HoldChanged(linkedid=f"live-{i % CALLS_IN_PROGRESS}", on_hold=i % 2 == 0, at=at))
            await asyncio.sleep(1 / RATE_PER_SECOND)
        await asyncio.sleep(2.0)
        for client in clients:
            client.stop.set()
        await web.stop()
        await ctx.bus.stop()
        ctx.engine.dispose()
    latencies = [c.arrivals[at] - t for c in clients for at, t in sent.items() if at in c.arrivals]
    bus = [bus_arrivals[at] - t for at, t in sent.items() if at in bus_arrivals]
    return {"calls_in_progress": CALLS_IN_PROGRESS, "events": EVENTS, "clients": CLIENTS,
            "delivered": len(latencies), "expected": EVENTS * CLIENTS,
            "p50_ms": round(statistics.median(latencies) * 1000, 2),
            "p95_ms": round(percentile(latencies, 0.95) * 1000, 2),
            "max_ms": round(max(latencies) * 1000, 2),
            "baseline_bus_p95_ms": round(percentile(bus, 0.95) * 1000, 3),
            "target_p95_ms": TARGET_P95_S * 1000, "meets_target": percentile(latencies, 0.95) < TARGET_P95_S}


def main() -> None:
    result = asyncio.run(run())
    write_result("wallboard_latency", result)
    print(f"wallboard: {result['delivered']}/{result['expected']} events, p50 {result['p50_ms']} ms, "
          f"p95 {result['p95_ms']} ms (target < {result['target_p95_ms']:.0f} ms), max "
          f"{result['max_ms']} ms; "
          f"bus alone p95 {result['baseline_bus_p95_ms']} ms")


if __name__ == "__main__":
    main()
