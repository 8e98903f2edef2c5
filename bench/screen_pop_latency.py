"""Screen pop latency (R15): from the tracker's ``AgentRinging`` bus message to the agent's
browser (an SSE client of ``/desk/events``), including the caller-history look-up on a database
with realistic history. Target: p95 < 500 ms.

The client runs in a thread of its own (as a browser would, outside the service's event loop)
and stamps each ``pop`` event on arrival. Baselines in the same run: a plain bus subscriber's
delivery time for the same messages, and the history look-up alone.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench._common import ROOT, SseClient, percentile, write_result
from callcenter.agents.component import AgentsComponent
from callcenter.agents.lookup import caller_card
from callcenter.calls.model import AgentRingEnded, AgentRinging
from callcenter.db.models.calls import Call
from callcenter.db.models.tickets import Ticket
from callcenter.db.session import migrate, unit_of_work

CALLERS = 2000
TICKETS = 6000
CALLS = 20000
RINGS = 300
RATE_PER_SECOND = 10
TARGET_P95_S = 0.5


class DeskClient(SseClient):
    path, ready_kind, stamped_kind = "/desk/events", "state", "pop"

    def stamp(self, data: dict[str, Any]) -> None:
        self.arrivals.setdefault(data["linkedid"], time.perf_counter())  # linkedid -> arrival

    def run(self) -> None:
        try:
            super().run()
        except httpx.HTTPError:
            if not self.stop.is_set():
                raise  # the service went away before the run was over


def _ms(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(values, 0.5) * 1000, 2),
            "p95_ms": round(percentile(values, 0.95) * 1000, 2),
            "max_ms": round(max(values) * 1000, 2)}


def _seed(ctx: Any, rng: random.Random) -> list[str]:
    callers = [f"13{rng.randrange(10**9):09d}" for _ in range(CALLERS)]
    t0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    with unit_of_work(ctx.sessions) as s:
        for n in range(CALLS):
            when = t0 + dt.timedelta(minutes=n)
            s.add(Call(linkedid=f"b{n}", caller=rng.choice(callers), started_at=when, ended_at=when,
                       answered=True,
                       talk_seconds=60.0, hangup_first="caller"))
        for n in range(TICKETS):
            s.add(Ticket(caller=rng.choice(callers), caller_name="业主", address=f"{n % 30}栋{n % 6}单元",
                         category="repair",
                         summary="报修", owner="101", status=rng.choice(["open", "closed", "in_progress"])))
    return callers


async def _rings(ctx: Any, callers: list[str], rng: random.Random) -> dict[str, float]:
    sent: dict[str, float] = {}
    for n in range(RINGS):
        linkedid = f"ring-{n}"
        now = time.time()
        sent[linkedid] = time.perf_counter()
        ctx.bus.publish(AgentRinging(linkedid, rng.choice(callers), "repair", "PJSIP/8101", "李秀英", 1, now,
                                     now))
        await asyncio.sleep(1 / RATE_PER_SECOND)
        ctx.bus.publish(AgentRingEnded(linkedid, "PJSIP/8101", "no_answer", 0.1, time.time()))
    return sent


def _lookup_baseline(ctx: Any, callers: list[str], rng: random.Random) -> list[float]:
    times = []
    for _ in range(RINGS):
        started = time.perf_counter()
        with unit_of_work(ctx.sessions) as s:
            caller_card(s, rng.choice(callers))
        times.append(time.perf_counter() - started)
    return times


async def run() -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from tests.support.desk import PASSWORD, create_accounts, desk_settings, make_context, serve_web

    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="bench-pop-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'desk.db'}"
        migrate(url)
        ctx = make_context(desk_settings(Path(tmp), url))
        create_accounts(ctx)
        callers = _seed(ctx, rng)
        bus_arrivals: dict[str, float] = {}
        ctx.bus.subscribe(AgentRinging, lambda m: bus_arrivals.__setitem__(m.linkedid, time.perf_counter()),
                          name="bench")
        await ctx.bus.start()
        agents = AgentsComponent(ctx, wrap_up_seconds=0)
        await agents.start()
        async with serve_web(ctx) as web:
            client = DeskClient(web.url, "101", PASSWORD.format("101"))
            client.start()
            await asyncio.to_thread(client.ready.wait, 10)
            sent = await _rings(ctx, callers, rng)
            await asyncio.sleep(1.0)
            client.stop.set()
            agents.hub.push("101", "bench_done", {})  # wakes the client so it hangs up first
            await asyncio.to_thread(client.join, 10)
        await agents.stop()
        await ctx.bus.stop()
        lookup = await asyncio.to_thread(_lookup_baseline, ctx, callers, rng)
        ctx.engine.dispose()
    latencies = [client.arrivals[k] - sent[k] for k in sent if k in client.arrivals]
    bus = [bus_arrivals[k] - sent[k] for k in sent if k in bus_arrivals]
    result = {"rings": RINGS, "rate_per_second": RATE_PER_SECOND, "callers": CALLERS, "tickets": TICKETS,
              "calls": CALLS, "delivered": len(latencies), "database": "sqlite",
              **_ms(latencies), "baseline_bus": _ms(bus), "baseline_history_lookup": _ms(lookup),
              "target_p95_ms": TARGET_P95_S * 1000,
              "meets_target": (bool(latencies) and len(latencies) == RINGS
                               and percentile(latencies, 0.95) < TARGET_P95_S)}
    return result


def main() -> None:
    result = asyncio.run(run())
    write_result("screen_pop_latency", result)
    print(f"screen pop: {result['delivered']}/{result['rings']} pops, p50 {result['p50_ms']} ms, "
          f"p95 {result['p95_ms']} ms, max {result['max_ms']} ms (target p95 < "
          f"{result['target_p95_ms']:g} ms); "
          f"baselines: bus p95 {result['baseline_bus']['p95_ms']} ms, history look-up p95 "
          f"{result['baseline_history_lookup']['p95_ms']} ms")


if __name__ == "__main__":
    main()
