"""How long the answered agent waits in silence before the caller's announcement starts (R2, R3).

The ``answered`` FastAGI script runs while the member who picked up hears nothing (app_queue
bridges only after it returns), so its decision must take milliseconds. Measured over real TCP:
from the FastAGI connection to the STREAM FILE command arriving at the client, for the service's
server (two GET VARIABLEs, the tracker look-up, the decision) and, as the baseline in the same
run, a bare server that sends the same two GET VARIABLEs and a fixed STREAM FILE, like the
one used to record queue_agi_greeting.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from callcenter.bus import EventBus
from callcenter.calls.model import GreetingDecision
from callcenter.config import load_settings
from callcenter.db.session import make_engine, make_session_factory
from callcenter.ivr.component import IvrComponent
from callcenter.service import ServiceContext

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("results")
SESSIONS = 300
ENV = {"agi_network": "yes", "agi_network_script": "answered", "agi_request": "agi://127.0.0.1:4573/answered",
       "agi_channel": "Local/inbound@from-pstn-00000021;2", "agi_type": "Local",
       "agi_uniqueid": "1795635060.69",
       "agi_version": "20.20.1", "agi_callerid": "13800138000", "agi_context": "from-pstn",
       "agi_extension": "inbound", "agi_priority": "4"}
VARIABLES = {"MEMBERINTERFACE": "PJSIP/8101", "MEMBERNAME": "101 李秀英"}


class _Tracker:
    def greeting_for(self, uniqueid: str | None, channel: str | None, now: float) -> GreetingDecision:
        return GreetingDecision("L", uniqueid, "PJSIP/8101", "101", 17.2, 4, "apology", now)


async def _session(port: int) -> float:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(("".join(f"{k}: {v}\n" for k, v in ENV.items()) + "\n").encode())
    try:
        while True:
            command = (await reader.readline()).decode().strip()
            if command.startswith("STREAM FILE"):
                return time.perf_counter() - started
            name = command.removeprefix("GET VARIABLE ")
            writer.write(f"200 result=1 ({VARIABLES.get(name, '')})\n".encode())
            await writer.drain()
    finally:
        writer.close()
        await writer.wait_closed()


async def _bare_handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while (await reader.readline()).strip():
        pass
    for command in ("GET VARIABLE MEMBERNAME", "GET VARIABLE MEMBERINTERFACE", 'STREAM FILE beep ""'):
        writer.write(f"{command}\n".encode())
        await writer.drain()
        if not command.startswith("STREAM"):
            await reader.readline()
    await reader.read()  # until the client hangs up
    writer.close()


async def _measure(port: int) -> list[float]:
    return [await _session(port) for _ in range(SESSIONS)]


def _summary(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples)
    return {"p50_ms": round(statistics.median(ms), 3), "p95_ms": round(ms[int(len(ms) * 0.95) - 1], 3),
            "max_ms": round(ms[-1], 3), "mean_ms": round(statistics.fmean(ms), 3)}


async def _run() -> dict[str, Any]:
    bare = await asyncio.start_server(_bare_handler, "127.0.0.1", 0)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"CALLCENTER_HOTLINE": str(ROOT / "hotline.example.toml"),
                                  "CALLCENTER_VAR_DIR": tmp})
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        ctx = ServiceContext(settings=dataclasses.replace(settings, agi_port=0), bus=EventBus(),
                             engine=engine,
                             sessions=make_session_factory(engine), tracker=_Tracker())
        component = IvrComponent(ctx)
        await component.start()
        try:
            assert component.address is not None
            baseline = await _measure(bare.sockets[0].getsockname()[1])
            service = await _measure(component.address[1])
        finally:
            await component.stop()
            bare.close()
            await bare.wait_closed()
            engine.dispose()
    return {"sessions": SESSIONS, "baseline_bare_server": _summary(baseline),
            "service_answered": _summary(service),
            "overhead_p50_ms": round((statistics.median(service) - statistics.median(baseline)) * 1000, 3)}


def main() -> None:
    result = asyncio.run(_run())
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ivr_answered.json").write_text(json.dumps(result, indent=2) + "\n")
    b, s = result["baseline_bare_server"], result["service_answered"]
    print(f"answered AGI, connect -> STREAM FILE over {SESSIONS} sessions: service p50 {s['p50_ms']} ms, "
          f"p95 {s['p95_ms']} ms, max {s['max_ms']} ms; bare baseline p50 {b['p50_ms']} ms, "
          f"p95 {b['p95_ms']} ms")


if __name__ == "__main__":
    main()
