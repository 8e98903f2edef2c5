"""What every topology test starts around its PBXs and checks afterwards (issue 16): two web front
ends with a supervisor's wallboard open on each, two schedulers, two transcription workers, and
the database's view of what the PBXs' calls became."""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx
from sqlalchemy import Engine, text

from callcenter.callbacks.leader import LOCK_KEY
from tests.topology.cluster import CALLCENTER, PASSWORD, SUPERVISOR, Cluster, Part, wait_for

FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
RECORDINGS_TOKEN = "topology-recordings-token"


class Wallboard:
    """One supervisor's wallboard stream on one web front end, read in a thread; each message
    kept with the wall-clock time it arrived."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.events: list[tuple[str, dict[str, Any], float]] = []
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
                            arrived = time.time()
                            self.events.append((event, json.loads(line.split(":", 1)[1]), arrived))
                            self.connected.set()
            except httpx.HTTPError:
                return  # the front end stopped

    def linkedids(self) -> set[str]:
        seen: set[str] = set()
        for event, data, _ in self.events:
            if event == "call":
                seen.add(data["call"]["linkedid"])
            elif event == "snapshot":
                seen |= {c["linkedid"] for c in data["calls"]}
        return seen

    def first_shown(self) -> dict[str, float]:
        """Each call's delay from its first event at the PBX (the ``since`` its first message
        carries, on the PBX's clock) to the wallboard showing it, in seconds."""
        shown: dict[str, float] = {}
        for event, data, arrived in self.events:
            if event == "call" and data["call"]["linkedid"] not in shown:
                shown[data["call"]["linkedid"]] = arrived - float(data["call"]["since"])
        return shown


@dataclass
class Front:
    """The parts every topology test runs beside its trackers."""

    webs: list[Part]
    schedulers: list[Part]
    workers: list[Part]
    boards: list[Wallboard] = field(default_factory=list)


def start_front(cluster: Cluster, stores: str) -> Front:
    """Two of each part, started together (``open_boards`` waits for them). The workers reach the
    recordings through ``stores`` (CALLCENTER_RECORDING_STORES)."""
    webs = [cluster.start(f"web-{i}", ("web",)) for i in (1, 2)]
    schedulers = [cluster.start(f"scheduler-{i}", ("scheduler",)) for i in (1, 2)]
    workers = [cluster.start(f"worker-{i}", ("worker",), CALLCENTER_RECORDING_STORES=stores,
                             CALLCENTER_RECORDINGS_TOKEN=RECORDINGS_TOKEN) for i in (1, 2)]
    return Front(webs, schedulers, workers)


def open_boards(cluster: Cluster, front: Front) -> None:
    """Once every part runs, a supervisor's wallboard opened on each front end."""
    for part in [*front.webs, *front.schedulers, *front.workers]:
        cluster.wait_running(part)
    front.boards = [Wallboard(part.web_port or 0) for part in front.webs]
    for board in front.boards:
        assert board.connected.wait(60), "a wallboard stream did not open"


def one(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def lock_holder(engine: Engine) -> str | None:
    """The application_name of the process holding the scheduler's advisory lock."""
    holder = one(engine, "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                         "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :hi AND l.objid = :lo",
                 hi=LOCK_KEY >> 32, lo=LOCK_KEY & 0xFFFFFFFF)
    return None if holder is None else str(holder)


def kill_a_worker_mid_job(engine: Engine, workers: list[Part], timeout: float = 240) -> int:
    """SIGKILL to whichever worker is decoding an answered call's recordings first; its job's id."""
    running = wait_for(lambda: rows(engine, "SELECT j.id, j.claimed_by FROM transcription_jobs j "
                                            "JOIN calls c ON c.id = j.call_id "
                                            "WHERE j.status = 'running' AND c.answered"),
                       timeout, "a job being decoded", 0.02)
    job_id, claimer = running[0]
    victim = next(w for w in workers if claimer.endswith(f":{w.proc.pid}"))
    victim.kill()
    return int(job_id)


def assert_stored_once(engine: Engine, pbxs: tuple[str, ...], expected: int, timeout: float = 240) -> None:
    """``expected`` calls of each PBX stored, none twice, each under its PBX's own Linkedids."""
    wait_for(lambda: all(one(engine, "SELECT count(*) FROM calls WHERE server = :s", s=pbx) >= expected
                         for pbx in pbxs), timeout, "every PBX's calls to be stored",
             detail=lambda: rows(engine, "SELECT server, count(*) FROM calls GROUP BY server"))
    twice = "SELECT server, linkedid FROM calls GROUP BY server, linkedid HAVING count(*) > 1"
    assert rows(engine, twice) == []
    for pbx in pbxs:
        assert one(engine, "SELECT count(*) FROM calls WHERE server = :s", s=pbx) == expected
        linkedids = {r[0] for r in rows(engine, "SELECT linkedid FROM calls WHERE server = :s", s=pbx)}
        assert all(x.startswith(f"{pbx}-") for x in linkedids), linkedids


def assert_boards_show_every_pbx(boards: list[Wallboard], pbxs: tuple[str, ...]) -> None:
    def every_pbx(board: Wallboard) -> bool:
        return {x.rsplit("-", 1)[0] for x in board.linkedids()} >= set(pbxs)

    for board in boards:
        wait_for(partial(every_pbx, board), 60, "every PBX's calls on a wallboard", detail=board.linkedids)


def assert_transcribed(engine: Engine, workers: list[Part], pbxs: tuple[str, ...], answered: int,
                       killed_job: int, timeout: float = 480) -> None:
    """Every answered call's job done (the killed worker's one by the other), each PBX's among
    them, and every job naming its recordings by a store and a relative path. The bound is
    generous: one worker decodes alone after the kill, on a machine others load too."""
    spoken = ("SELECT count(*) FROM transcription_jobs j JOIN calls c ON c.id = j.call_id "
              "WHERE c.answered AND j.status = :status")
    jobs = ("SELECT j.id, c.server, c.answered, j.status, j.claimed_by, j.attempts, j.error "
            "FROM transcription_jobs j JOIN calls c ON c.id = j.call_id")
    wait_for(lambda: one(engine, spoken, status="done") == answered, timeout,
             "every answered call's job done", 0.5,
             detail=lambda: (rows(engine, jobs), [(w.name, w.proc.pid, errors(w)) for w in workers]))
    assert one(engine, "SELECT status FROM transcription_jobs WHERE id = :j", j=killed_job) == "done"
    servers = {r[0] for r in rows(engine, "SELECT DISTINCT c.server FROM transcripts t "
                                          "JOIN calls c ON c.id = t.call_id")}
    assert servers == set(pbxs)
    for (entries,) in rows(engine, "SELECT recordings FROM transcription_jobs"):
        entries = json.loads(entries) if isinstance(entries, str) else entries
        assert all(e["store"] in pbxs and not e["path"].startswith("/") for e in entries), entries


def assert_one_callback_each(engine: Engine, pbxs: tuple[str, ...]) -> None:
    """Each PBX's abandoned caller is owed one callback, made at most once (two schedulers)."""
    wait_for(lambda: one(engine, "SELECT count(*) FROM calls WHERE awaiting_decisions") == 0, 120,
             "the leader to decide every stored call")
    owed = rows(engine, "SELECT c.server, cb.reason, count(*) FROM callbacks cb "
                        "JOIN calls c ON c.id = cb.call_id GROUP BY c.server, cb.reason ORDER BY c.server")
    assert owed == [(pbx, "abandoned", 1) for pbx in pbxs]
    assert rows(engine, "SELECT id FROM callbacks WHERE attempts > 1") == []


def assert_report_combines(cluster: Cluster, offered: int) -> None:
    report = subprocess.run([CALLCENTER, "report", "answer-times", "--format", "json", "--by", "queue"],
                            env=cluster.env("report"), capture_output=True, text=True, timeout=120,
                            check=True)
    figures = json.loads(report.stdout)
    # Calls offered over the report's queues (each call is in one queue).
    assert sum(int(row["figures"]["offered"]) for row in figures["rows"]) == offered, report.stdout[:2000]


def hand_over(cluster: Cluster, engine: Engine, schedulers: list[Part]) -> float:
    """SIGKILL to the scheduler holding the lock; seconds until the other holds it."""
    leader = str(wait_for(lambda: lock_holder(engine), 60, "a scheduler to hold the lock"))
    killed = time.monotonic()
    cluster.parts[leader].kill()
    other = next(s.name for s in schedulers if s.name != leader)
    wait_for(lambda: lock_holder(engine) == other, 60, "the standby to take the lock over", 0.05)
    return time.monotonic() - killed


def errors(part: Part) -> str:
    lines = part.output().splitlines()
    found = [i for i, line in enumerate(lines) if "ERROR" in line or "Traceback" in line or "speech:" in line]
    return "\n".join(line for i in found[:3] for line in lines[i:i + 25])
