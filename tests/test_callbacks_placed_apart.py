"""Callbacks placed with the parts run apart (issue 16): the scheduler holds no AMI connection, so
it asks the tracker of the callback's PBX to place each attempt through the relay (PostgreSQL
LISTEN/NOTIFY); Asterisk's answer comes back to the scheduler as for any Originate.

Separate processes on PostgreSQL: a scheduler and one tracker per PBX (pbxsim inside each).
- each due callback is placed once, on the PBX its call or message came from, and its result is
  recorded (R9, R12, R22); a row that names no PBX goes to the scheduler's own (default) PBX;
- with its PBX's tracker down, the attempt counts as unanswered and is retried later (R22), and
  the retry is placed once when the tracker is back: never twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from callcenter.db.session import make_engine, migrate
from tests.support.postgres import PostgresCluster
from tests.topology.cluster import Cluster, Part, around_the_clock, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.fixture
def cluster(postgres: PostgresCluster, tmp_path: Path) -> Iterator[Cluster]:
    url = postgres.create_database("placing")
    migrate(url)
    hotline = around_the_clock(tmp_path)
    quick = (hotline.read_text(encoding="utf-8")
             .replace("originate_timeout_seconds = 30", "originate_timeout_seconds = 5")
             .replace("retry_interval_minutes = 10", "retry_interval_minutes = 1")
             .replace("sweep_seconds = 30", "sweep_seconds = 2"))
    hotline.write_text(quick, encoding="utf-8")
    running = Cluster(url, tmp_path, hotline)
    yield running
    running.stop_all()


@pytest.fixture
def engine(cluster: Cluster) -> Iterator[Engine]:
    engine = make_engine(cluster.database_url)
    yield engine
    engine.dispose()


def _tracker(cluster: Cluster, pbx: str) -> Part:
    return cluster.start_listening(pbx, ("tracker",), CALLCENTER_PBX_NAME=pbx,
                                   CALLCENTER_PBXSIM_SYSTEMNAME=pbx)


def _one(cluster: Cluster, sql: str, **params: object) -> object:
    engine = make_engine(cluster.database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    finally:
        engine.dispose()


def _owed(engine: Engine, key: str, caller: str) -> int:
    """A due message callback for owner 101 (phone 8101), as the callbacks component makes them."""
    now = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    with engine.begin() as conn:
        return int(conn.execute(text(
            "INSERT INTO callbacks (caller, owner, reason, due_at, promised_at, status, attempts, "
            "created_at, dedupe_key) VALUES (:caller, '101', 'message', :now, :now, 'pending', 0, :now, "
            ":key) RETURNING id"),
            {"caller": caller, "now": now, "key": key}).scalar_one())


def _log(engine: Engine, callback_id: int) -> list[tuple[str, int | None, str | None, str]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT kind, attempt, action_id, detail FROM callback_log WHERE callback_id = :id ORDER BY id"),
            {"id": callback_id})]


def _placed(engine: Engine, callback_id: int) -> list[tuple[int | None, str]]:
    return [(attempt, detail) for kind, attempt, _, detail in _log(engine, callback_id) if kind == "placed"]


def _answered_by_asterisk(engine: Engine, callback_id: int, attempt: int) -> bool:
    """Asterisk's OriginateResponse for the attempt reached the scheduler and was recorded (whatever
    the agent's phone did): a result carrying the attempt's ActionID."""
    sent = f"callback-{callback_id}-{attempt}"
    return any(kind not in ("attempt", "placed") and action == sent
               for kind, _, action, _ in _log(engine, callback_id))


def _wait_result(engine: Engine, callback_id: int, attempt: int) -> None:
    wait_for(lambda: _answered_by_asterisk(engine, callback_id, attempt), 180,
             f"Asterisk's answer to attempt {attempt} of callback #{callback_id}", every=0.5,
             detail=lambda: _log(engine, callback_id))


def _each_attempt_once_on(engine: Engine, callback_id: int, pbx: str) -> list[int | None]:
    placed = _placed(engine, callback_id)
    attempts = [attempt for attempt, _ in placed]
    assert len(attempts) == len(set(attempts)), placed  # never one attempt twice
    assert {detail for _, detail in placed} == {f"placed on {pbx}"}, placed
    return attempts


def test_each_callback_is_placed_once_by_the_tracker_of_its_pbx(cluster: Cluster, engine: Engine) -> None:
    _tracker(cluster, "pbx-a")
    _tracker(cluster, "pbx-b")
    on_a = _owed(engine, "message:pbx-a:1765000000.11", "13800138011")
    on_b = _owed(engine, "message:pbx-b:1765000000.11", "13800138022")  # the same Linkedid on pbx-b
    unnamed = _owed(engine, "ticket:7:old-row", "13800138033")  # an older row naming no PBX
    down = _owed(engine, "message:pbx-c:1765000000.12", "13800138044")  # pbx-c's tracker is not running
    scheduler = cluster.start("scheduler", ("scheduler",), CALLCENTER_PBX_NAME="pbx-a")
    cluster.wait_running(scheduler)

    # Each placed on its PBX (the scheduler's own for the row naming none), its result recorded.
    for callback_id, pbx in ((on_a, "pbx-a"), (on_b, "pbx-b"), (unnamed, "pbx-a")):
        _wait_result(engine, callback_id, 1)
        assert 1 in _each_attempt_once_on(engine, callback_id, pbx)

    # Nobody places pbx-c's: the attempt counts as unanswered and waits for its retry.
    wait_for(lambda: any(kind == "no_answer" and attempt == 1 for kind, attempt, _, _ in _log(engine, down)),
             180, "the unplaced attempt to count as unanswered", every=1, detail=lambda: _log(engine, down))
    with engine.connect() as conn:
        status, attempts = conn.execute(text("SELECT status, attempts FROM callbacks WHERE id = :id"),
                                        {"id": down}).one()
    assert (status, attempts) == ("pending", 1)
    assert _placed(engine, down) == []

    # pbx-c's tracker back: the retry is placed there, once.
    _tracker(cluster, "pbx-c")
    _wait_result(engine, down, 2)
    assert _each_attempt_once_on(engine, down, "pbx-c")[0] == 2  # attempt 1 was never placed
    for callback_id, pbx in ((on_a, "pbx-a"), (on_b, "pbx-b"), (unnamed, "pbx-a")):
        _each_attempt_once_on(engine, callback_id, pbx)
