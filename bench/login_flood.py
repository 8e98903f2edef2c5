"""A 64-way login flood against the running web UI, beside call handling (issue 12, item 3).

Target: under the flood, a supervisor's report page and the ``answered`` FastAGI greeting
decision (R2) keep their p95 within 2x of idle, measured in the same run. The service (web +
FastAGI, one event loop as in production) runs here; the flood and the measuring clients run in
processes of their own. Two floods: with the hotline's login throttling (the attacker's address
is soon refused without password work), and with throttling relaxed to its maximum, so that
every attempt reaches scrypt and only the bounded, low-priority password worker process stands
between the flood and the event loop.
"""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

from bench._common import ROOT, percentile, write_result
from callcenter.calls.model import GreetingDecision
from callcenter.clock import SystemClock
from callcenter.db.session import migrate
from callcenter.ivr.component import IvrComponent
from callcenter.web.component import WebComponent
from callcenter.web.throttle import LoginThrottle

WORKERS = 64
SAMPLES = 50  # per phase and round; the phases alternate over ROUNDS so that the shared
ROUNDS = 3    # machine's other load falls on all of them alike
FLOOD_WARMUP_S = 2.0
TARGET_RATIO = 2.0


class _Tracker:
    def greeting_for(self, uniqueid: str | None, channel: str | None, now: float) -> GreetingDecision:
        return GreetingDecision("L", uniqueid, "PJSIP/8101", "101", 17.2, 4, "apology", now)


def _clients(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bench._login_flood_clients", *args], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


async def _finish(process: subprocess.Popen[str]) -> Any:
    out, _ = await asyncio.to_thread(process.communicate)  # closing its stdin also ends a flood
    if process.returncode != 0:
        raise RuntimeError(f"bench client {process.args!r} failed ({process.returncode})")
    return json.loads(out)


def _p(samples: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples]
    return {"p50_ms": round(statistics.median(ms), 2), "p95_ms": round(percentile(ms, 0.95), 2),
            "max_ms": round(max(ms), 2)}


async def _phase(base: str, cookie: str, agi_port: int, flood: bool) -> tuple[dict[str, list[float]], Any]:
    flooding = _clients("flood", base, str(WORKERS), str(FLOOD_WARMUP_S + 120)) if flood else None
    if flooding is not None:
        await asyncio.sleep(FLOOD_WARMUP_S)
    measured = await _finish(_clients("measure", base, cookie, str(agi_port), str(SAMPLES)))
    return measured, (await _finish(flooding) if flooding is not None else None)


def _sum_floods(floods: list[Any]) -> dict[str, int]:
    total: dict[str, int] = {}
    for flood in floods:
        for status, count in flood["by_status"].items():
            total[status] = total.get(status, 0) + count
    return total


def _login_cookie(base: str, user_id: str, password: str) -> str:
    with httpx.Client(base_url=base) as http:
        found = re.search(r'name="csrf_token" value="([^"]+)"', http.get("/login").text)
        http.post("/login", data={"user_id": user_id, "password": password,
                                  "csrf_token": found.group(1) if found else ""})
        return "; ".join(f"{k}={v}" for k, v in http.cookies.items())


async def run() -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from tests.browser.webapp import SUPERVISOR, password, web_context

    with tempfile.TemporaryDirectory(prefix="bench-login-flood-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'web.db'}"
        migrate(url)
        ctx = web_context(url, Path(tmp), clock=SystemClock(), CALLCENTER_WEB_PORT="0",
                          CALLCENTER_AGI_PORT="0")
        ctx.tracker = _Tracker()
        await ctx.bus.start()
        ivr, web = IvrComponent(ctx), WebComponent(ctx)
        await ivr.start()
        await web.start()
        try:
            assert ivr.address is not None
            base, agi_port = f"http://127.0.0.1:{web.port}", ivr.address[1]
            cookie = await asyncio.to_thread(_login_cookie, base, SUPERVISOR, password(SUPERVISOR))
            relaxed = ctx.settings.hotline.web.model_copy(update={"login_failures_before_delay": 100,
                                                                  "login_lock_after_failures": 1000})
            throttles = {"flood_throttled": LoginThrottle(ctx.settings.hotline.web, ctx.clock.time),
                         "flood_every_attempt_hashed": LoginThrottle(relaxed, ctx.clock.time)}
            samples: dict[str, dict[str, list[float]]] = {}
            floods: dict[str, list[Any]] = {}
            for _ in range(ROUNDS):
                for phase in ("idle", "flood_throttled", "flood_every_attempt_hashed"):
                    web.app.state.login_throttle = throttles.get(phase)
                    measured, flood = await _phase(base, cookie, agi_port, flood=phase != "idle")
                    for name, values in measured.items():
                        samples.setdefault(phase, {}).setdefault(name, []).extend(values)
                    floods.setdefault(phase, []).append(flood)
        finally:
            await web.stop()
            await ivr.stop()
            await ctx.bus.stop()
            ctx.engine.dispose()
    result: dict[str, Any] = {"workers": WORKERS, "samples": SAMPLES * ROUNDS, "rounds": ROUNDS}
    for phase, measured in samples.items():
        result[phase] = {name: _p(values) for name, values in measured.items()}
        if phase != "idle":
            result[phase]["flood_requests_by_status"] = _sum_floods(floods[phase])
    idle = result["idle"]
    for name in ("report_page", "greeting_decision"):
        for flood in ("flood_throttled", "flood_every_attempt_hashed"):
            ratio = result[flood][name]["p95_ms"] / max(idle[name]["p95_ms"], 1e-6)
            result[flood][name]["p95_vs_idle"] = round(ratio, 2)
    result["target_p95_vs_idle"] = TARGET_RATIO
    result["meets_target"] = all(result[f][n]["p95_vs_idle"] <= TARGET_RATIO
                                 for f in ("flood_throttled", "flood_every_attempt_hashed")
                                 for n in ("report_page", "greeting_decision"))
    return result


def main() -> None:
    result = asyncio.run(run())
    write_result("login_flood", result)
    for phase in ("idle", "flood_throttled", "flood_every_attempt_hashed"):
        r, g = result[phase]["report_page"], result[phase]["greeting_decision"]
        print(f"{phase}: report page p50 {r['p50_ms']} ms p95 {r['p95_ms']} ms; "
              f"greeting decision p50 {g['p50_ms']} ms p95 {g['p95_ms']} ms")
    print(f"meets target (p95 within {TARGET_RATIO}x of idle): {result['meets_target']}")


if __name__ == "__main__":
    main()

