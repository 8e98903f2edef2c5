"""A 64-way login flood against the running web UI, beside call handling (issue 12, item 3).

Target: under the flood, a supervisor's report page and the ``answered`` FastAGI greeting
decision (R2) keep their p95 within 2x of idle, measured in the same run. The service (web +
FastAGI, one event loop as in the all-in-one service) runs here; the flood and the measuring
clients run in processes of their own. Two floods: with the hotline's login throttling (the
attacker's address is soon refused without password work), and with throttling relaxed to its
maximum, so that every attempt reaches scrypt and only the bounded, low-priority password worker
process stands between the flood and the event loop.

Three layouts, measured in the same run, their phases interleaved so the shared machine's
other load falls on all alike: ``service`` (as shipped: throttled and busy logins refused by
``web/login_gate.py`` before the routes), ``before_login_gate`` (the same app without that layer:
every refusal through routing and form parsing, as before) and ``web_process`` (the web front
end in a process of its own beside the FastAGI server, as ``--role web`` / ``--role tracker``).
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
from bench._login_flood_clients import FLOOD_CLIENTS_NICE
from callcenter.calls.model import GreetingDecision
from callcenter.clock import SystemClock
from callcenter.db.session import migrate
from callcenter.ivr.component import IvrComponent
from callcenter.web.component import WebComponent
from callcenter.web.login_gate import LoginGate
from callcenter.web.throttle import LoginThrottle

WORKERS = 64
SAMPLES = 15  # per phase and round; the phases alternate over ROUNDS so that the shared
ROUNDS = 10   # machine's other load (bursts of seconds) falls on all of them alike
FLOOD_WARMUP_S = 2.0
TARGET_RATIO = 2.0
PHASES = ("idle", "flood_throttled", "flood_every_attempt_hashed")
LAYOUTS = ("service", "before_login_gate", "web_process")
MEASURED = ("report_page", "greeting_decision")


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


class _InProcess:
    """A web component in the service's own event loop, beside the FastAGI server."""

    def __init__(self, ctx: Any, gate: bool) -> None:
        self.web = WebComponent(ctx)
        if not gate:  # the layers are stacked on the first request: taken out before that
            self.web.app.user_middleware = [m for m in self.web.app.user_middleware
                                            if getattr(m, "cls", None) is not LoginGate]
        relaxed = ctx.settings.hotline.web.model_copy(update={"login_failures_before_delay": 100,
                                                              "login_lock_after_failures": 1000})
        self.throttles = {"flood_throttled": LoginThrottle(ctx.settings.hotline.web, ctx.clock.time),
                          "flood_every_attempt_hashed": LoginThrottle(relaxed, ctx.clock.time)}

    async def start(self) -> str:
        await self.web.start()
        return f"http://127.0.0.1:{self.web.port}"

    async def phase(self, phase: str) -> None:
        self.web.app.state.login_throttle = self.throttles.get(phase)

    async def stop(self) -> None:
        await self.web.stop()


class _OwnProcess:
    """The web front end in a process of its own (``bench/_login_flood_web.py``)."""

    def __init__(self, url: str, tmp: Path) -> None:
        self.args = [sys.executable, "-m", "bench._login_flood_web", url, str(tmp)]
        self.process: subprocess.Popen[str] | None = None

    async def start(self) -> str:
        self.process = subprocess.Popen(  # noqa: ASYNC220 - once, before anything is measured
            self.args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        return f"http://127.0.0.1:{int(await asyncio.to_thread(self.process.stdout.readline))}"

    async def phase(self, phase: str) -> None:
        assert self.process is not None and self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(("relaxed" if phase == "flood_every_attempt_hashed" else "throttled") + "\n")
        self.process.stdin.flush()
        await asyncio.to_thread(self.process.stdout.readline)

    async def stop(self) -> None:
        if self.process is not None:
            await asyncio.to_thread(self.process.communicate)


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
        ivr = IvrComponent(ctx)
        layouts: dict[str, Any] = {"service": _InProcess(ctx, gate=True),
                                   "before_login_gate": _InProcess(ctx, gate=False),
                                   "web_process": _OwnProcess(url, Path(tmp))}
        await ivr.start()
        started: list[Any] = []
        try:
            bases: dict[str, str] = {}
            for name, layout in layouts.items():
                bases[name] = await layout.start()
                started.append(layout)
            assert ivr.address is not None
            agi_port = ivr.address[1]
            cookies = {name: await asyncio.to_thread(_login_cookie, base, SUPERVISOR, password(SUPERVISOR))
                       for name, base in bases.items()}
            samples: dict[str, dict[str, dict[str, list[float]]]] = {}
            floods: dict[str, dict[str, list[Any]]] = {}
            for _ in range(ROUNDS):
                for phase in PHASES:
                    for name, layout in layouts.items():
                        await layout.phase(phase)
                        measured, flood = await _phase(bases[name], cookies[name], agi_port,
                                                       flood=phase != "idle")
                        into = samples.setdefault(name, {}).setdefault(phase, {})
                        for kind, values in measured.items():
                            into.setdefault(kind, []).extend(values)
                        floods.setdefault(name, {}).setdefault(phase, []).append(flood)
        finally:
            for layout in reversed(started):
                await layout.stop()
            await ivr.stop()
            await ctx.bus.stop()
            ctx.engine.dispose()
    result: dict[str, Any] = {"workers": WORKERS, "samples": SAMPLES * ROUNDS, "rounds": ROUNDS,
                              "target_p95_vs_idle": TARGET_RATIO, "flood_clients_nice": FLOOD_CLIENTS_NICE}
    for name in LAYOUTS:
        result[name] = _summary(samples[name], floods[name])
    result["meets_target"] = result["service"]["meets_target"]
    return result


def _summary(samples: dict[str, dict[str, list[float]]], floods: dict[str, list[Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for phase, measured in samples.items():
        result[phase] = {name: _p(values) for name, values in measured.items()}
        if phase != "idle":
            result[phase]["flood_requests_by_status"] = _sum_floods(floods[phase])
    idle = result["idle"]
    for name in MEASURED:
        for flood in PHASES[1:]:
            ratio = result[flood][name]["p95_ms"] / max(idle[name]["p95_ms"], 1e-6)
            result[flood][name]["p95_vs_idle"] = round(ratio, 2)
    result["meets_target"] = all(result[f][n]["p95_vs_idle"] <= TARGET_RATIO
                                 for f in PHASES[1:] for n in MEASURED)
    return result


def main() -> None:
    result = asyncio.run(run())
    write_result("login_flood", result)
    for layout in LAYOUTS:
        for phase in PHASES:
            r, g = result[layout][phase]["report_page"], result[layout][phase]["greeting_decision"]
            ratios = "" if phase == "idle" else f" ({r['p95_vs_idle']}x / {g['p95_vs_idle']}x)"
            print(f"{layout} {phase}: report page p50 {r['p50_ms']} ms p95 {r['p95_ms']} ms; "
                  f"greeting decision p50 {g['p50_ms']} ms p95 {g['p95_ms']} ms{ratios}")
        print(f"{layout}: within {TARGET_RATIO}x of idle: {result[layout]['meets_target']}")


if __name__ == "__main__":
    main()
