"""The agent's desk on a web front end run apart from the trackers (issue 16): the web role holds
no AMI connection, so its desk's pauses and click to call are asked of the tracker of the agent's
PBX through the relay (PostgreSQL LISTEN/NOTIFY); what the desk shows comes back from Asterisk.

Separate processes on PostgreSQL: ``--role web`` and ``--role tracker`` (pbxsim inside).
- with no tracker to answer, the desk says the phone system is not connected, in bounded time;
- a pause clicked on the web role's desk reaches pbxsim and the desk shows the paused state and
  its reason as Asterisk reports it; resuming shows the agent available again;
- click to call rings through the tracker: Asterisk's answer to that very Originate reaches the
  agent's desk.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from callcenter.agents.relayed import ANSWER_SECONDS
from callcenter.db.session import make_engine, migrate
from tests.support.csrf import FORM_TOKEN, META_TOKEN
from tests.support.postgres import PostgresCluster
from tests.topology.cluster import Cluster, Part, around_the_clock, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(600)]

AGENT, AGENT_PASSWORD = "101", "desk-apart-pass-101"
CUSTOMER = "13800138011"


@pytest.fixture
def cluster(postgres: PostgresCluster, tmp_path: Path) -> Iterator[Cluster]:
    url = postgres.create_database("desk_apart")
    migrate(url)
    running = Cluster(url, tmp_path, around_the_clock(tmp_path),
                      extra_env={f"CALLCENTER_WEB_PASSWORD_{AGENT}": AGENT_PASSWORD,
                                 "CALLCENTER_WRAP_UP_SECONDS": "0"})
    yield running
    running.stop_all()


@pytest.fixture
def engine(cluster: Cluster) -> Iterator[Engine]:
    engine = make_engine(cluster.database_url)
    yield engine
    engine.dispose()


def _listening(engine: Engine, name: str) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name "
                                      "AND query ILIKE 'LISTEN%'"), {"name": name}).scalar())


def _start(cluster: Cluster, engine: Engine, name: str, roles: tuple[str, ...], **env: str) -> Part:
    part = cluster.start(name, roles, **env)
    cluster.wait_running(part)
    # NOTIFY reaches only who listens: wait until its relay does.
    wait_for(lambda: _listening(engine, name), 60, f"{name}'s relay to listen")
    return part


def _signed_in(port: int) -> httpx.Client:
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
    token = FORM_TOKEN.search(client.get("/login").text)
    assert token is not None
    answer = client.post("/login", data={"user_id": AGENT, "password": AGENT_PASSWORD,
                                         "csrf_token": token.group(1)}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    meta = META_TOKEN.search(client.get("/account/password").text)
    assert meta is not None
    client.headers["X-CSRF-Token"] = meta.group(1)
    return client


class DeskStream:
    """The agent's desk event stream, read in a thread."""

    def __init__(self, port: int) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._client = _signed_in(port)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            with self._client.stream("GET", "/desk/events", timeout=None) as response:
                event = ""
                for line in response.iter_lines():
                    if line.startswith("event:"):
                        event = line.split(":", 1)[1].strip()
                    elif line.startswith("data:"):
                        self.events.append((event, json.loads(line.split(":", 1)[1])))
        except httpx.HTTPError:
            return  # the front end stopped

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [data for event, data in self.events if event == kind]


def _state(desk: httpx.Client) -> dict[str, Any]:
    answer = desk.get("/desk/api/state")
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def _shown(desk: httpx.Client, paused: bool) -> dict[str, Any]:
    """The desk's state once it shows the agent paused (or not)."""
    def state() -> dict[str, Any]:
        now = _state(desk)
        return now if now["paused"] is paused else {}
    return wait_for(state, 30, f"the desk to show paused={paused}", detail=lambda: _state(desk))


def _ticket(engine: Engine) -> int:
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        return int(conn.execute(text(
            "INSERT INTO tickets (caller, phone, caller_name, category, secondary_categories, urgent, "
            "summary, owner, status, department, missing_fields, created_at, updated_at) VALUES (:phone, "
            ":phone, '张先生', 'inquiry', '[]', false, '停水通知', :owner, 'open', 'service', '[]', :now, "
            ":now) RETURNING id"),
            {"phone": CUSTOMER, "owner": AGENT, "now": now}).scalar_one())


def test_the_web_roles_desk_pauses_and_calls_through_the_tracker_of_its_pbx(
        cluster: Cluster, engine: Engine) -> None:
    web = _start(cluster, engine, "web", ("web",))
    assert web.web_port is not None
    desk = _signed_in(web.web_port)

    # No tracker yet: the desk says the phone system is not connected (Chinese first), no hang.
    answer = desk.post("/desk/api/state", json={"action": "pause", "reason": "lunch"},
                       timeout=ANSWER_SECONDS + 30)
    assert answer.status_code == 502, answer.text
    assert answer.json()["error"].startswith("电话系统未连接，请稍后再试 / the phone system is not connected")

    _start(cluster, engine, "pbx-a", ("tracker",), CALLCENTER_PBX_NAME="pbx-a",
           CALLCENTER_PBXSIM_SYSTEMNAME="pbx-a")
    stream = DeskStream(web.web_port)
    wait_for(lambda: stream.of("state"), 30, "the desk's event stream")

    # A pause clicked on the web role's desk: pbxsim pauses the member and says so (QueueMemberPause),
    # which is what the desk shows.
    answer = desk.post("/desk/api/state", json={"action": "pause", "reason": "lunch"})
    assert answer.status_code == 200, answer.text
    paused = _shown(desk, True)
    assert (paused["state"], paused["reason"]) == ("paused", "午餐")
    wait_for(lambda: any(s.get("reason") == "午餐" for s in stream.of("state")), 30,
             "the pause on the desk's event stream", detail=lambda: stream.events[-5:])

    answer = desk.post("/desk/api/state", json={"action": "resume"})
    assert answer.status_code == 200, answer.text
    resumed = _shown(desk, False)
    assert resumed["reason"] is None and resumed["state"] != "paused"

    # Click to call: Asterisk's answer to this very Originate comes back to the agent's desk.
    ticket = _ticket(engine)
    answer = desk.post("/desk/api/call", json={"ticket_id": ticket})
    assert answer.status_code == 200, answer.text
    action_id = answer.json()["action_id"]
    outcome = wait_for(lambda: [o for o in stream.of("originate") if o["action_id"] == action_id], 120,
                       "Asterisk's answer to the click to call on the desk", every=0.5,
                       detail=lambda: stream.events[-5:])
    assert outcome[0]["reason"] in ("0", "1", "3", "4", "5", "8")

    # A number the desk would not dial is refused on the web front end (never sent).
    with engine.begin() as conn:
        conn.execute(text("UPDATE tickets SET phone = '+442071838750', caller = NULL WHERE id = :id"),
                     {"id": ticket})
    answer = desk.post("/desk/api/call", json={"ticket_id": ticket})
    assert answer.status_code == 400 and "境外" in answer.json()["error"], answer.text
