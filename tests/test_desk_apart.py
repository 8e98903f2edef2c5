"""The agent's desk on a web front end run apart from the trackers (issue 16): the web role holds
no AMI connection, so its desk's pauses and click to call are asked of the tracker of the agent's
PBX through the relay (PostgreSQL LISTEN/NOTIFY); what the desk shows comes back from Asterisk.

Separate processes on PostgreSQL: ``--role web`` and ``--role tracker`` (pbxsim inside).
- with no tracker to answer, the desk says the phone system is not connected, in bounded time;
- a pause clicked on the web role's desk reaches pbxsim and the desk shows the paused state and
  its reason as Asterisk reports it, also on a web front end started after it (the trackers'
  queue snapshot); resuming shows the agent available again;
- click to call rings through the tracker: Asterisk's answer to that very Originate reaches the
  agent's desk;
- a supervisor listens in on a call in conversation from the web role: the tracker that follows
  the call rings the supervisor's phone into it, and whether it answered is audited.
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
from tests.support.ports import free_port
from tests.support.postgres import PostgresCluster
from tests.topology.cluster import PASSWORD, SUPERVISOR, Cluster, around_the_clock, wait_for

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


def _signed_in(port: int, user: str = AGENT, password: str = AGENT_PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
    token = FORM_TOKEN.search(client.get("/login").text)
    assert token is not None
    answer = client.post("/login", data={"user_id": user, "password": password,
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


def _shown(desk: httpx.Client, paused: bool, timeout: float = 30) -> dict[str, Any]:
    """The desk's state once it shows the agent paused (or not)."""
    def state() -> dict[str, Any]:
        now = _state(desk)
        return now if now["paused"] is paused else {}
    return wait_for(state, timeout, f"the desk to show paused={paused}", detail=lambda: _state(desk))


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
    web = cluster.start_listening("web", ("web",))
    assert web.web_port is not None
    desk = _signed_in(web.web_port)

    # No tracker yet: the desk says the phone system is not connected (Chinese first), no hang.
    answer = desk.post("/desk/api/state", json={"action": "pause", "reason": "lunch"},
                       timeout=ANSWER_SECONDS + 30)
    assert answer.status_code == 502, answer.text
    assert answer.json()["error"].startswith("电话系统未连接，请稍后再试 / the phone system is not connected")

    cluster.start_listening("pbx-a", ("tracker",), CALLCENTER_PBX_NAME="pbx-a",
           CALLCENTER_PBXSIM_SYSTEMNAME="pbx-a", CALLCENTER_LIVE_PORT=str(free_port()))
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

    # A web front end started after the pause heard no change: its desk shows the pause all the same,
    # from the queue snapshot the trackers answer through the relay.
    later = cluster.start_listening("web-2", ("web",))
    assert later.web_port is not None
    shown = _shown(_signed_in(later.web_port), True, timeout=90)
    assert (shown["state"], shown["reason"], shown["queues"]) == ("paused", "午餐", ["repair", "service"])

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


# One caller for the repair queue, answered at once and kept talking; the supervisor's phone answers.
IN_CONVERSATION = """name = "listen"
flow = "hotline"

[globals]
RING_8900 = "0.2"

[[calls]]
at = 2.0
via = "pjsip"
caller = "13800138077"
keys = "1"
hangup_after = 240
variables = { __RING_8101 = "0.2", __RING_8201 = "0.2", __RING_8202 = "0.2", __TALK_8101 = "never", \
__TALK_8201 = "never", __TALK_8202 = "never" }
"""


def _audited(engine: Engine, action: str) -> list[str]:
    with engine.connect() as conn:
        return [str(d) for d in conn.execute(text("SELECT detail FROM web_audit WHERE action = :action "
                                                   "ORDER BY id"), {"action": action}).scalars()]


def test_a_supervisor_on_the_web_role_listens_in_through_the_tracker_that_follows_the_call(
        cluster: Cluster, engine: Engine, tmp_path: Path) -> None:
    web = cluster.start_listening("web", ("web",))
    assert web.web_port is not None
    plan = tmp_path / "listen.toml"
    plan.write_text(IN_CONVERSATION, encoding="utf-8")
    cluster.start_listening("pbx-a", ("tracker",), "--scenario", str(plan), CALLCENTER_PBX_NAME="pbx-a",
           CALLCENTER_PBXSIM_SYSTEMNAME="pbx-a", CALLCENTER_LIVE_PORT=str(free_port()))
    supervisor = _signed_in(web.web_port, SUPERVISOR, PASSWORD)

    # No call by that id on any tracker: not found, at once (every tracker heard from said so).
    answer = supervisor.post("/api/calls/pbx-a-0000000000.1/spy", json={"mode": "listen"})
    assert answer.status_code == 404, answer.text
    assert answer.json()["detail"].startswith("没有这通正在通话中的电话")

    linkedid = wait_for(lambda: _in_conversation(engine, supervisor), 120, "a call in conversation")
    answer = supervisor.post(f"/api/calls/{linkedid}/spy", json={"mode": "whisper"})
    assert answer.status_code == 200, answer.text
    started = answer.json()
    assert (started["mode"], started["phone"]) == ("whisper", "8900")
    assert started["agent"] in ("101", "201", "202")
    [detail] = _audited(engine, "listen_in")
    assert detail.startswith(f"whisper call {linkedid} agent {started['agent']}")
    # Asterisk's answer to the supervisor's ring comes back to the web role and is audited.
    [result] = wait_for(lambda: _audited(engine, "listen_in_result"), 60, "the listen-in's outcome")
    assert result == f"whisper call {linkedid}: phone answered"


def _in_conversation(engine: Engine, supervisor: httpx.Client) -> str | None:
    """The Linkedid of the scenario's call once the wallboard shows it answered."""
    board = supervisor.get("/api/wallboard")
    if board.status_code != 200:
        return None
    calls = [c for c in board.json().get("calls", []) if c.get("state") == "talking"]
    return str(calls[0]["linkedid"]) if calls else None
