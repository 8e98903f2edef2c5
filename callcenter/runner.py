"""``callcenter run``: start the service; with no Asterisk configured, run the embedded pbxsim
with a demo workload (or a scenario file) and say every few seconds what is happening."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import signal
from dataclasses import replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import typer

from callcenter import console
from callcenter.config import Settings, load_settings
from callcenter.roles import ROLES, components_for, require_postgres
from callcenter.service import Service


def _stats(pbx: Any, window: float, rule_seconds: float) -> str:
    now = pbx.now()
    logs = list(pbx.calls.values())
    recent = [c for c in logs if now - c.started_at <= window]
    rang = [c for c in logs if c.ring_seconds is not None and (c.answered_at is not None or c.abandoned)]
    within = [c for c in rang if c.answered_at is not None and c.ring_seconds < rule_seconds]
    share = f"{100 * len(within) / len(rang):.0f}%" if rang else "-"
    active = sum(1 for c in logs if c.ended_at is None)
    waits = [now - w.joined_at for q in pbx.queues.values() for w in q.waiting]
    longest = f" (longest {max(waits):.0f} s)" if waits else ""
    members = {m.interface: m for q in pbx.queues.values() for m in q.members}.values()
    free = sum(1 for m in members if not m.in_call and not m.paused)
    return (f"calls/min {len(recent) * 60 / window:.1f} · waiting {len(waits)}{longest} · active {active} · "
            f"agents free {free}/{len(members)} · total {len(logs)} · answered within three rings {share}")


async def _serve(speed: float, seed: int, calls_per_hour: float, scenario: Path | None,
                 duration: float | None, report: Path | None, roles: list[str] | None = None) -> None:
    import os

    os.environ.setdefault("CALLCENTER_PBXSIM_SPEED", str(speed))
    os.environ.setdefault("CALLCENTER_PBXSIM_SEED", str(seed))
    roles = roles or []
    factories = components_for(roles)  # an unknown role stops here, named
    settings = load_settings()
    require_postgres(roles, settings.database_url)
    if settings.ami is None and scenario is None:
        settings = demo_hours(settings)
    from callcenter.pbxsim.timebase import ScaledClock

    clock = ScaledClock(speed) if settings.ami is None else None
    service = Service(settings, clock=clock, factories=factories)
    service.context.extras["roles"] = list(roles)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await service.start()
    try:
        sim = service.context.extras.get("pbxsim")
        if "callcenter.web.component:build" in service._factories or service.context.extras.get("web"):
            typer.echo(f"open http://{settings.web_host}:{settings.web_port}/")
        typer.echo(f"running: {', '.join(service.started)}")
        traffic = _start_traffic(sim, settings, seed, calls_per_hour, scenario) if sim is not None else None
        if sim is None:
            ami = settings.ami
            typer.echo(f"connected to Asterisk at {ami.host}:{ami.port}" if ami else "")
        await _report_until(stop, sim, settings, duration, service.context.extras.get("store_health"))
        if traffic is not None:
            traffic.cancel()
            await asyncio.gather(traffic, return_exceptions=True)
        if report is not None and sim is not None:
            report.write_text(json.dumps([c.as_dict() for c in sim.pbx.calls.values()], ensure_ascii=False,
                                         indent=1))
    finally:
        await service.stop()
        typer.echo("stopped")


def demo_hours(settings: Settings, now: dt.datetime | None = None) -> Settings:
    """The demo runs whenever it is started: when the centre is closed at this hour (R18 sends
    every call to the after-hours message), keep it open around the clock for the demo and say so."""
    hotline = settings.hotline
    local = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(hotline.centre.timezone))
    if hotline.is_open(local):
        return settings
    hours = hotline.hours
    typer.echo(f"demo: the centre is closed now ({hours.open:%H:%M}-{hours.close:%H:%M} "
               f"{hotline.centre.timezone}); for the demo it stays open and calls customers back around "
               "the clock (the after-hours path runs with a real Asterisk or a scenario file)")
    always = hours.model_copy(update={"open": dt.time(0, 0), "close": dt.time(23, 59, 59),
                                      "days": [1, 2, 3, 4, 5, 6, 7]})
    # Callbacks are only ever dialled within calling hours: the demo's run around the clock too.
    calling = hotline.callbacks.model_copy(update={"calling_hours_start": dt.time(0, 0),
                                                   "calling_hours_end": dt.time(23, 59, 59)})
    return replace(settings, hotline=hotline.model_copy(update={"hours": always, "callbacks": calling}))


def _start_traffic(sim: Any, settings: Any, seed: int, calls_per_hour: float,
                   scenario: Path | None) -> asyncio.Task[Any]:
    from callcenter.pbxsim.driver import ScenarioDriver, run_scenario
    from callcenter.pbxsim.scenario import Scenario, load_scenario
    from callcenter.pbxsim.workload import Workload, generate

    if scenario is not None:
        plan = load_scenario(scenario)
        typer.echo(f"pbxsim: scenario {plan.name} ({len(plan.calls)} calls)")
        return asyncio.create_task(run_scenario(sim.pbx, plan, sim.server.port))
    agents = [a.extension for a in settings.hotline.agents]

    async def workload() -> None:
        script = Scenario(name="demo", flow="hotline")
        driver = ScenarioDriver(sim.pbx, script, sim.server.port)
        start = sim.pbx.timebase.time()
        for call in generate(Workload(calls_per_hour=calls_per_hour), agents, seed):
            delay = call.at - (sim.pbx.timebase.time() - start)
            if delay > 0:
                await sim.pbx.sleep(delay)
            await driver.place(call)
    typer.echo(f"pbxsim: demo workload, {calls_per_hour:g} calls/hour, {len(agents)} agents, seed {seed}")
    return asyncio.create_task(workload())


async def _report_until(stop: asyncio.Event, sim: Any, settings: Any, duration: float | None,
                        health: Any = None) -> None:
    loop = asyncio.get_running_loop()
    deadline = None if duration is None else loop.time() + duration
    rule = settings.ring_cycle_seconds * settings.rule_rings
    while not stop.is_set():
        timeout = 5.0 if deadline is None else max(0.0, min(5.0, deadline - loop.time()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout)
        if sim is not None:
            typer.echo(_stats(sim.pbx, 60.0, rule))
        problem = None if health is None else health.view().describe(settings.hotline.centre.timezone)
        if problem:
            typer.echo(f"存储：{problem} (store: "
                       f"{health.view().describe(settings.hotline.centre.timezone, 'en')})")
        if deadline is not None and loop.time() >= deadline:
            return


ROLE_HELP = (f"run only this part ({'|'.join(ROLES)}; repeatable) against PostgreSQL, beside other "
             "processes; none: everything in one process")


def run(
    speed: float = typer.Option(1.0, help="pbxsim time factor (60 = one simulated hour per minute)"),
    seed: int = typer.Option(1, help="seed of the demo workload"),
    calls_per_hour: float = typer.Option(120.0, help="demo workload arrival rate"),
    scenario: Path | None = typer.Option(  # noqa: B008
        None, help="run this pbxsim scenario (TOML) instead of the workload"),
    duration: float | None = typer.Option(None, help="stop after this many real seconds"),
    report: Path | None = typer.Option(None, help="write pbxsim's call logs (JSON) here on exit"),  # noqa: B008
    verbose: bool = typer.Option(False, "--verbose", "-v",
                                 help="also show third-party INFO lines (scheduler, migrations, web access)"),
    role: list[str] = typer.Option(  # noqa: B008
        [], "--role", help=ROLE_HELP),
) -> None:
    """Start the service (and, without an Asterisk configured, the embedded PBX with demo calls)."""
    if verbose:
        console.show_third_party(True)
    asyncio.run(_serve(speed, seed, calls_per_hour, scenario, duration, report, role))
