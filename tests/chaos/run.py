"""Chaos: does every call survive database outages, a full disk, a locked SQLite file and
``kill -9``? (issue 11)

pbxsim runs here with a real workload (the hotline's own queues and agents, Poisson arrivals,
abandons, agents hanging up first, holds); the service runs as its own process, ``callcenter
run``, against it over real AMI, on SQLite or on a real PostgreSQL started here. One fault is
injected per run:

* ``db_down``: PostgreSQL stopped (pg_ctl stop -m fast), then started again;
* ``disk_full``: the database's volume (a small tmpfs mounted here) filled to the last byte, then
  freed;
* ``sqlite_locked``: another process holds SQLite's write lock (BEGIN IMMEDIATE; a long
  maintenance job; a plain reader cannot block a WAL writer);
* ``kill9``: the service killed with SIGKILL at random moments and started again each time;
* ``service_down``: the service stopped for two minutes while calls go on;
* ``ami_cut``: the AMI link cut (a TCP proxy drops it) while pbxsim keeps the calls up;
* ``pbx_restart``: pbxsim restarted mid-call as Asterisk 20 restarts (every channel hung up with
  the shutdown's SoftHangupRequest, ``Event: Shutdown``, the AMI port closed, back empty).

Afterwards pbxsim's own list of ended calls is compared with the stored calls field by field
(answered, ring time within 0.5 s, agent, who hung up first), and the callbacks the rules call for
(R9 dropped, abandoned) with the ones created. One JSON line per fault: calls placed, stored,
lost, duplicated, wrong; callbacks expected, created, doubled.

    python -m tests.chaos.run                 # every fault (make chaos), about 15 minutes
    python -m tests.chaos.run sqlite_locked   # the named plans only
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text

from callcenter.db.session import make_engine
from callcenter.hotline import Hotline, load_hotline
from callcenter.pbxsim import Pbx, PbxConfig
from callcenter.pbxsim.ami_server import AmiServer
from callcenter.pbxsim.component import hotline_queues
from callcenter.pbxsim.driver import ScenarioDriver
from callcenter.pbxsim.restart import restart
from callcenter.pbxsim.scenario import Scenario
from callcenter.pbxsim.workload import Workload, generate
from tests.support.ports import free_ports
from tests.support.tcp_proxy import CuttableProxy

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
RING_TOLERANCE_S = 0.5
WHOLE_SECOND_FLAGS = {"adopted", "ended_unseen"}  # calls.flags of times read to the whole second
WORKLOAD = Workload(calls_per_hour=1500.0, talk_mean_seconds=15.0, answer_median_seconds=3.0,
                    no_answer_probability=0.1, abandon_probability=0.1, agent_hangs_up_first_probability=0.15,
                    hold_probability=0.1)
# The short runs (the test suite's): short calls without holds, so they end soon after the fault.
SHORT_WORKLOAD = Workload(calls_per_hour=1500.0, talk_mean_seconds=6.0, answer_median_seconds=2.0,
                          no_answer_probability=0.05, abandon_probability=0.1,
                          agent_hangs_up_first_probability=0.2,
                          hold_probability=0.0)


@dataclass(frozen=True)
class Plan:
    name: str
    database: str  # sqlite | postgresql
    fault: str  # db_down | disk_full | sqlite_locked | kill9 | service_down | ami_cut | pbx_restart | none
    fault_seconds: float = 60.0
    kills: int = 10
    before: float = 15.0  # workload seconds before the fault
    after: float = 20.0  # workload seconds after it is healed
    workload: Workload = WORKLOAD
    # How long calls still up at the end may take to end: a caller gives up within 3 minutes
    # (Workload.give_up_seconds), an answered one talks on for a while after that.
    end_wait: float = 300.0
    # The after-call wrap-up pause (30 s): its end is stored, so a kill -9 during it no longer
    # leaves it on for ever; the short runs switch it off to measure storage alone.
    wrap_up: bool = True


PLANS = [
    Plan("sqlite_locked", "sqlite", "sqlite_locked", fault_seconds=45.0),
    Plan("sqlite_disk_full", "sqlite", "disk_full"),
    Plan("sqlite_kill9", "sqlite", "kill9", kills=10),
    Plan("sqlite_kill9_no_wrap_up", "sqlite", "kill9", kills=10, wrap_up=False),
    Plan("postgresql_down", "postgresql", "db_down"),
    Plan("postgresql_kill9", "postgresql", "kill9", kills=10),
    # The service stopped for two minutes while calls go on: what it missed comes from queue_log.
    Plan("sqlite_service_down", "sqlite", "service_down", fault_seconds=120.0),
    # The AMI link cut for 20 s (a proxy drops the TCP connection; pbxsim keeps the calls up).
    Plan("postgresql_ami_cut", "postgresql", "ami_cut", fault_seconds=20.0),
    # The PBX restarted while calls are up (answered, ringing, waiting); back after 10 s.
    Plan("sqlite_pbx_restart", "sqlite", "pbx_restart", fault_seconds=10.0, before=30.0, after=45.0),
]
SHORT = [Plan("short_sqlite_locked", "sqlite", "sqlite_locked", fault_seconds=35.0, before=6.0, after=6.0,
              workload=SHORT_WORKLOAD, end_wait=60.0, wrap_up=False),
         Plan("short_sqlite_kill9", "sqlite", "kill9", kills=2, before=6.0, after=6.0,
              workload=SHORT_WORKLOAD,
              end_wait=60.0, wrap_up=False)]



def open_all_day(source: Path, target: Path) -> Path:
    """The hotline file with the centre open around the clock (R18 would send every call to the
    after-hours message at night, and the run would measure nothing)."""
    body = source.read_text(encoding="utf-8")
    body = re.sub(r"(?m)^open = .*$", "open = 00:00:00", body, count=1)
    body = re.sub(r"(?m)^close = .*$", "close = 23:59:59", body, count=1)
    target.write_text(body, encoding="utf-8")
    return target


class ServiceProcess:
    """``callcenter run`` as its own process, against the external pbxsim."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        out = self.log.open("ab")
        self.proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "callcenter"), "run"], env=self.env,
                                     cwd=ROOT,
                                     stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        self.starts += 1

    async def wait_running(self, limit: float = 90.0) -> None:
        deadline = time.monotonic() + limit
        want = self.starts
        while time.monotonic() < deadline:
            if self.log.read_text(errors="replace").count("running: ") >= want:
                return
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"the service exited ({self.proc.returncode}); see {self.log}")
            await asyncio.sleep(0.2)
        raise RuntimeError(f"the service did not start within {limit:.0f} s; see {self.log}")

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    async def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        for _ in range(600):
            if self.proc.poll() is not None:
                return
            await asyncio.sleep(0.1)
        self.proc.kill()
        self.proc.wait()


@dataclass
class Database:
    url: str
    sqlite_path: Path | None = None
    mount: Path | None = None  # the tmpfs the SQLite file lives on (disk_full)
    cluster: Any = None
    cleanup: list[Any] = field(default_factory=list)


def make_database(plan: Plan, work: Path) -> Database:
    if plan.database == "postgresql":
        sys.path.insert(0, str(ROOT))
        from tests.support.postgres import start_cluster

        cluster = start_cluster()
        return Database(cluster.create_database("chaos"), cluster=cluster, cleanup=[cluster.stop])
    folder = work / "db"
    folder.mkdir()
    db = Database("", mount=None)
    if plan.fault == "disk_full":
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(folder)], check=True)
        db.mount = folder
        db.cleanup.append(lambda: subprocess.run(["umount", "-l", str(folder)], check=False))
    db.sqlite_path = folder / "callcenter.db"
    db.url = f"sqlite:///{db.sqlite_path}"
    return db


class Fault:
    """Injects one fault and heals it; ``healed`` tells the time it was healed."""

    def __init__(self, plan: Plan, db: Database, service: ServiceProcess, proxy: CuttableProxy,
                 pbx: Pbx, ami: AmiServer) -> None:
        self.plan, self.db, self.service, self.proxy = plan, db, service, proxy
        self.pbx, self.ami = pbx, ami
        self.events: list[str] = []
        self.down: list[tuple[float, float]] = []  # (killed at, running again at), epoch seconds

    async def run(self) -> None:
        plan = self.plan
        await asyncio.sleep(plan.before)
        if plan.fault == "kill9":
            rng = random.Random(11)
            for i in range(plan.kills):
                await asyncio.sleep(rng.uniform(2.0, 8.0))
                killed = time.time()
                self.service.kill9()
                self.events.append(f"kill -9 #{i + 1}")
                self.service.start()
                await self.service.wait_running()
                self.down.append((killed, time.time()))
            return
        if plan.fault == "db_down":
            self.db.cluster.halt()
            self.events.append("postgresql stopped")
            await asyncio.sleep(plan.fault_seconds)
            self.db.cluster.resume()
            self.events.append("postgresql started")
            return
        if plan.fault == "sqlite_locked":
            await self._locked()
            return
        if plan.fault == "service_down":
            stopped = time.time()
            await self.service.stop()
            self.events.append("service stopped")
            await asyncio.sleep(plan.fault_seconds)
            self.service.start()
            await self.service.wait_running()
            self.events.append("service started")
            self.down.append((stopped, time.time()))
            return
        if plan.fault == "ami_cut":
            self.proxy.cut()
            self.events.append("AMI link cut")
            await asyncio.sleep(plan.fault_seconds)
            self.proxy.restore()
            self.events.append("AMI link restored")
            return
        if plan.fault == "disk_full":
            await self._disk_full()
        if plan.fault == "pbx_restart":
            await self._pbx_restart()

    async def _pbx_restart(self) -> None:
        """Mid-call: once a conversation is up (wait for one at most 60 s more)."""
        await wait_for(lambda: any(log.answered_by is not None and log.ended_at is None
                                   for log in self.pbx.calls.values()), 60.0)
        up = [log for log in self.pbx.calls.values() if log.ended_at is None]
        talking = sum(1 for log in up if log.answered_by is not None)
        self.events.append(f"PBX restarted with {len(up)} calls up ({talking} answered)")
        await restart(self.pbx, self.ami, self.plan.fault_seconds)
        self.events.append("PBX back")

    async def _locked(self) -> None:
        assert self.db.sqlite_path is not None
        holder = sqlite3.connect(self.db.sqlite_path, isolation_level=None, timeout=30)
        holder.execute("BEGIN IMMEDIATE")  # the write lock, as a long maintenance job holds it
        holder.execute("SELECT count(*) FROM calls").fetchone()
        self.events.append("sqlite write lock taken")
        await asyncio.sleep(self.plan.fault_seconds)
        holder.execute("ROLLBACK")
        holder.close()
        self.events.append("sqlite write lock released")

    async def _disk_full(self) -> None:
        assert self.db.mount is not None
        filler = self.db.mount / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            for size in (1 << 20, 4096, 1):  # to the last byte
                with contextlib.suppress(OSError):
                    while True:
                        os.write(fd, b"\0" * size)
        finally:
            os.close(fd)
        free = os.statvfs(self.db.mount)
        self.events.append(f"volume full ({free.f_bavail * free.f_frsize} bytes free)")
        await asyncio.sleep(self.plan.fault_seconds)
        filler.unlink()
        self.events.append("volume freed")


def truth_of(pbx: Pbx, callers: set[str]) -> dict[str, Any]:
    """pbxsim's own log of the calls the workload placed and that have ended."""
    return {log.linkedid: log for log in pbx.calls.values()
            if log.caller in callers and log.ended_at is not None}


def stored_rows(url: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            calls = [dict(r._mapping) for r in c.execute(text(
                "SELECT id, server, linkedid, answered, ring_seconds, agent_interface, hangup_first, flags, "
                "backfilled "
                "FROM calls"))]
            callbacks = [dict(r._mapping) for r in c.execute(text(
                "SELECT id, call_id, reason, caller, status FROM callbacks"))]
        return calls, callbacks
    finally:
        engine.dispose()


def expected_callback(log: Any) -> str | None:
    """What the rules call for after this inbound call, from pbxsim's truth: R9 an answered call
    the agent side ended is called back; an abandoned call is called back (R8 policy)."""
    if log.answered_by is not None and log.hangup_first in ("agent", "system"):
        return "dropped"
    if log.answered_by is None and log.abandoned:
        return "abandoned"
    return None


def when_lost(log: Any, down: list[tuple[float, float]]) -> str:
    """Where a lost call fell against the service's down times (kill9)."""
    for killed, back in down:
        if killed <= log.started_at and log.ended_at <= back:
            return "whole_call_while_down"
        if killed <= log.ended_at <= back:
            return "ended_while_down"
        if log.started_at <= killed <= log.ended_at:
            return "in_progress_at_kill"
    return "service_up"


def compare(plan: Plan, truth: dict[str, Any], placed: int, calls: list[dict[str, Any]],
            callbacks: list[dict[str, Any]], down: list[tuple[float, float]]) -> dict[str, Any]:
    by_linkedid: dict[str, list[dict[str, Any]]] = {}
    for row in calls:
        by_linkedid.setdefault(row["linkedid"], []).append(row)
    lost, wrong, duplicated, whole_seconds = 0, 0, 0, 0
    examples: list[dict[str, Any]] = []
    lost_when: Counter[str] = Counter()
    for linkedid, log in truth.items():
        rows = by_linkedid.get(linkedid, [])
        if not rows:
            lost += 1
            lost_when[when_lost(log, down)] += 1
            examples.append({"linkedid": linkedid, "lost": when_lost(log, down)})
            continue
        duplicated += len(rows) - 1
        row = rows[0]
        want = {"answered": log.answered_by is not None, "agent": log.answered_by,
                "hangup_first": log.hangup_first}
        got = {"answered": bool(row["answered"]), "agent": row["agent_interface"],
               "hangup_first": row["hangup_first"]}
        # Calls recorded from Asterisk's whole seconds (queue_log, a snapshot without CDRs, an end
        # read after a cut link) may differ by up to a second, and their rows say so.
        whole = bool(row["backfilled"]) or bool(set((row["flags"] or "").split(",")) & WHOLE_SECOND_FLAGS)
        tolerance = 1.0 if whole else RING_TOLERANCE_S
        whole_seconds += whole
        ring_ok = (log.ring_seconds is None and row["ring_seconds"] is None) or (
            log.ring_seconds is not None and row["ring_seconds"] is not None
            and abs(log.ring_seconds - row["ring_seconds"]) <= tolerance)
        if got != want or not ring_ok:
            wrong += 1
            if len(examples) < 8:
                examples.append({"linkedid": linkedid, "when": when_lost(log, down),
                                 "want": {**want, "ring_seconds": log.ring_seconds},
                                 "got": {**got, "ring_seconds": row["ring_seconds"], "flags": row["flags"]}})
    call_ids = {row["id"]: row["linkedid"] for row in calls}
    made = Counter((call_ids.get(cb["call_id"]), cb["reason"]) for cb in callbacks
                   if cb["call_id"] is not None)
    expected = {(linkedid, reason) for linkedid, log in truth.items() if (reason := expected_callback(log))}
    return {"fault": plan.name, "database": plan.database, "calls_placed": placed, "calls_ended": len(truth),
            "stored": sum(1 for linkedid in truth if linkedid in by_linkedid), "lost": lost,
            "duplicated": duplicated, "wrong": wrong, "whole_seconds": whole_seconds,
            **({"lost_when": dict(lost_when)} if lost_when else {}),
            "callbacks_expected": len(expected), "callbacks_created": sum(1 for key in expected if made[key]),
            "callbacks_doubled": sum(n - 1 for n in made.values() if n > 1), "examples": examples}


async def wait_for(condition: Any, limit: float) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.5)
    return False


async def run_plan(plan: Plan, work: Path) -> dict[str, Any]:
    hotline_path = open_all_day(ROOT / "hotline.example.toml", work / "hotline.toml")
    hotline: Hotline = load_hotline(hotline_path)
    db = make_database(plan, work)
    secret = secrets.token_hex(8)
    queue_log = work / "asterisk" / "queue_log"
    pbx = Pbx(PbxConfig(queues=hotline_queues(hotline), users={"callcenter": secret}, inbound="hotline",
                        hotline=hotline, queue_log=str(queue_log)), speed=1.0, seed=5)
    ami = AmiServer(pbx, "127.0.0.1", 0)
    await ami.start()
    proxy = CuttableProxy(ami.port)  # the service's way to the AMI: a link that can be cut
    await proxy.__aenter__()
    web_port, agi_port = free_ports(2)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")},
           "PYTHONUNBUFFERED": "1", "CALLCENTER_HOTLINE": str(hotline_path),
           "CALLCENTER_DATABASE_URL": db.url,
           "CALLCENTER_VAR_DIR": str(work / "var"), "CALLCENTER_AMI_HOST": "127.0.0.1",
           "CALLCENTER_AMI_PORT": str(proxy.port), "CALLCENTER_AMI_USER": "callcenter",
           "CALLCENTER_QUEUE_LOG": str(queue_log),
           "CALLCENTER_AMI_SECRET": secret,
           "CALLCENTER_AMI_ACTION_USER": "callcenter", "CALLCENTER_AMI_ACTION_SECRET": secret,
           "CALLCENTER_WEB_PORT": str(web_port), "CALLCENTER_AGI_PORT": str(agi_port),
           "CALLCENTER_LIVE_PORT": "0",
           "CALLCENTER_PBX_NAME": "chaos", **({} if plan.wrap_up else {"CALLCENTER_WRAP_UP_SECONDS": "0"})}
    service = ServiceProcess(env, work / "service.log")
    fault = Fault(plan, db, service, proxy, pbx, ami)
    callers: set[str] = set()
    try:
        service.start()
        await service.wait_running()
        faulty = plan.fault_seconds if plan.fault != "kill9" else plan.kills * 9.0
        if plan.fault in ("service_down", "pbx_restart"):
            faulty += 10.0  # the stop and the start
        duration = plan.before + faulty + plan.after
        injected = asyncio.create_task(fault.run())
        driver = ScenarioDriver(pbx, Scenario(name="chaos", flow="hotline"), ami.port)
        agents = [a.extension for a in hotline.agents]
        start = pbx.timebase.time()
        for call in generate(plan.workload, agents, seed=5, duration=duration):
            delay = call.at - (pbx.timebase.time() - start)
            if delay > 0:
                await pbx.sleep(delay)
            if await driver.place(call):  # False while the PBX restarts: the call never reaches it
                callers.add(call.caller)
        await injected
        await wait_for(lambda: all(log.ended_at is not None for log in pbx.calls.values()
                                   if log.caller in callers), plan.end_wait)
        truth = truth_of(pbx, callers)
        # Everything ended: wait until the service has stored what it will store (spool drained).
        last: list[int] = [-1]
        stable: list[float] = [time.monotonic()]

        def settled() -> bool:
            n = len(stored_rows(db.url)[0])
            if n != last[0]:
                last[0], stable[0] = n, time.monotonic()
            spool = list((work / "var" / "spool").glob("*/*.jsonl"))
            return (n >= len(truth) and not spool) or time.monotonic() - stable[0] > 10
        await wait_for(settled, 240)
        await asyncio.sleep(2.0)  # the callbacks' own commits follow the calls'
        await service.stop()
        calls, callbacks = stored_rows(db.url)
        result = compare(plan, truth, len(callers), calls, callbacks, fault.down)
        result["events"] = fault.events
        unfinished = [log for log in pbx.calls.values() if log.caller in callers and log.ended_at is None]
        if unfinished:
            result["unfinished_in_pbxsim"] = len(unfinished)
            result["pbx_members_busy"] = {k: str(v) for k, v in pbx.member_state.items()}
            result["pbx_members_paused"] = sorted({m.interface for q in pbx.queues.values() for m in q.members
                                                   if m.paused})
            result["unfinished_examples"] = [
                {"linkedid": u.linkedid, "queue": u.queue, "answered_by": u.answered_by,
                 "attempts": u.attempts[-3:], "heard": u.heard[-3:],
                 "age_s": round(time.time() - u.started_at, 1)} for u in unfinished[:3]]
        result["service_starts"] = service.starts
        return result
    finally:
        await service.stop()
        await proxy.__aexit__(None, None, None)
        await pbx.stop()
        await ami.stop()
        for step in reversed(db.cleanup):
            step()


def main(argv: list[str] | None = None, plans: list[Plan] | None = None) -> list[dict[str, Any]]:
    names = argv if argv is not None else sys.argv[1:]
    chosen = plans or [p for p in PLANS + SHORT if (not names and p in PLANS) or p.name in names]
    results = []
    for plan in chosen:
        with tempfile.TemporaryDirectory(prefix=f"chaos-{plan.name}-") as tmp:
            if os.environ.get("CHAOS_KEEP"):  # keep the service log and the database for a look
                tmp = tempfile.mkdtemp(prefix=f"chaos-{plan.name}-")
            try:
                result = asyncio.run(run_plan(plan, Path(tmp)))
            except Exception as exc:  # noqa: BLE001 -- one failing plan is reported, the others run
                result = {"fault": plan.name, "database": plan.database,
                          "error": f"{type(exc).__name__}: {exc}"}
                log = Path(tmp) / "service.log"
                if log.exists():
                    result["service_log_tail"] = log.read_text(errors="replace")[-2000:]
        line = {k: v for k, v in result.items() if k != "examples"}
        print(json.dumps(line, ensure_ascii=False), flush=True)
        if result.get("examples"):
            print("  examples: " + json.dumps(result["examples"][:5], ensure_ascii=False), file=sys.stderr,
                  flush=True)
        results.append(result)
    if plans is None:
        save(results)
    return results


def save(results: list[dict[str, Any]]) -> None:
    """Into bench/results/chaos.json: a run of named plans replaces those plans' lines and keeps
    the others (in the order of PLANS), so rerunning one fault does not drop the rest."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "chaos.json"
    kept: dict[str, dict[str, Any]] = {}
    if path.exists():
        with contextlib.suppress(ValueError):
            kept = {r["fault"]: r for r in json.loads(path.read_text())
                    if isinstance(r, dict) and "fault" in r}
    kept.update({r["fault"]: r for r in results})
    order = {p.name: i for i, p in enumerate(PLANS + SHORT)}
    merged = sorted(kept.values(), key=lambda r: order.get(r["fault"], len(order)))
    path.write_text(json.dumps(merged, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
