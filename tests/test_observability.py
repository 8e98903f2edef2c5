"""/metrics, /healthz and /readyz of a running service: after pbxsim calls through the hotline
flow the counters moved by exactly the calls made (calls, rings, greetings and their decision
time), the gauges read the AMI link, the spool, the transcription queue and the callbacks; web
requests are counted by route template; /metrics wants its bearer token when one is set; /readyz
names the part that is not ready."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from callcenter.config import Secret, load_settings
from callcenter.db.models.callbacks import Callback
from callcenter.db.models.speech import TranscriptionJob
from callcenter.db.session import unit_of_work
from callcenter.errors import ConfigError
from callcenter.pbxsim.driver import run_scenario
from callcenter.pbxsim.scenario import CallPlan, Scenario
from callcenter.pbxsim.timebase import ScaledClock
from callcenter.service import Service
from tests.support.service import listener_ready
from tests.support.virtual_time import in_virtual_time
from tests.support.web import running_web

pytestmark = pytest.mark.slow
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
WEDNESDAY_MORNING = dt.datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI).timestamp()
FACTORIES = ["callcenter.pbxsim.component:build", "callcenter.calls.component:build",
             "callcenter.ivr.component:build", "callcenter.observability.component:build"]
TOKEN = "scrape-token-0123456789"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def value(scraped: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


def _call(caller: str, keys: str, at: float = 0.5, **ring: str) -> CallPlan:
    variables = {f"__RING_{ext}": seconds for ext, seconds in ring.items()} | {"PBXSIM_TALK": "3"}
    return CallPlan(at=at, caller=caller, via="pjsip", keys=keys, variables=variables)


async def _scrape(port: int, path: str = "/metrics", token: str | None = TOKEN) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        return await http.get(path, headers=headers)


@in_virtual_time
async def test_metrics_count_the_calls_rings_and_greetings_made(hotline_path: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cc.db'}"
    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path),
                              "CALLCENTER_VAR_DIR": str(tmp_path / "var"), "CALLCENTER_DATABASE_URL": url,
                              "CALLCENTER_METRICS_PORT": "0",
                              "CALLCENTER_METRICS_TOKEN": TOKEN})
    service = Service(dataclasses.replace(settings, agi_port=0),
                      clock=ScaledClock(6.0, start=WEDNESDAY_MORNING), factories=FACTORIES)
    await service.start()
    try:
        await listener_ready(service)
        port = service.context.extras["metrics_port"]
        before = samples((await _scrape(port)).text)
        sim = service.context.extras["pbxsim"]
        await asyncio.wait_for(run_scenario(sim.pbx, Scenario("metrics", flow="hotline", calls=(
            _call("13800000001", "2", **{"8301": "4"}),  # answered in the first ring: standard
            _call("13800000003", "3", at=0.7, **{"8101": "11", "8102": "never", "8103": "never"}),  # third
            _call("13800000002", "1", at=0.9, **{"8201": "never", "8202": "4", "8101": "never"}),  # fourth
        )), sim.server.port), timeout=120)
        await service.context.bus.drain()
        writer = service.context.extras["store_health"]
        async with asyncio.timeout(30):  # the writer commits the three records and publishes each
            while value(samples((await _scrape(port)).text), "callcenter_calls_total", direction="inbound",
                        outcome="answered") - value(before, "callcenter_calls_total", direction="inbound",
                                                    outcome="answered") < 3 or writer.view().waiting:
                await asyncio.sleep(0.2)
        after = samples((await _scrape(port)).text)

        def moved(name: str, **labels: str) -> float:
            return value(after, name, **labels) - value(before, name, **labels)

        assert moved("callcenter_calls_total", direction="inbound", outcome="answered") == 3
        assert moved("callcenter_calls_total", direction="inbound", outcome="abandoned") == 0
        assert moved("callcenter_call_rings_count") == 3
        assert moved("callcenter_call_rings_bucket", le="3.0") == 2  # the fourth-ring call is over R1
        assert moved("callcenter_greetings_total", greeting="standard") == 2
        assert moved("callcenter_greetings_total", greeting="apology") == 1
        assert moved("callcenter_greeting_decision_seconds_count") == 3
        assert value(after, "callcenter_ami_link_up") == 1
        assert value(after, "callcenter_ami_reconnects_total") == 0
        assert value(after, "callcenter_spool_depth") == 0 and value(after, "callcenter_database_up") == 1

        # The shared queues, read from the database at the scrape.
        now = dt.datetime.now(dt.UTC)
        with unit_of_work(service.context.sessions) as session:
            call_ids = session.scalars(sa.text("select id from calls order by id")).all()
            session.add_all([TranscriptionJob(call_id=call_ids[0], recordings=[], status="queued",
                                              created_at=now - dt.timedelta(seconds=120)),
                             TranscriptionJob(call_id=call_ids[1], recordings=[], status="queued",
                                              created_at=now - dt.timedelta(seconds=30)),
                             TranscriptionJob(call_id=call_ids[2], recordings=[], status="done")])
            for n, (due, promised) in enumerate([(-60, -600), (-60, 600), (600, 1200)]):
                session.add(Callback(caller=f"1380000010{n}", reason="missed",
                                     due_at=now + dt.timedelta(seconds=due),
                                     promised_at=now + dt.timedelta(seconds=promised), dedupe_key=f"m{n}"))
        queues = samples((await _scrape(port)).text)
        assert value(queues, "callcenter_transcription_queue_depth") == 2
        assert 120 <= value(queues, "callcenter_transcription_lag_seconds") < 3600
        assert value(queues, "callcenter_callbacks_due") == 2
        assert value(queues, "callcenter_callbacks_overdue") == 1

        # /metrics wants the token; the health endpoints tell nothing but the state.
        assert (await _scrape(port, token=None)).status_code == 401
        assert (await _scrape(port, token="wrong")).status_code == 401
        assert (await _scrape(port, "/healthz", token=None)).text == "ok\n"
        ready = await _scrape(port, "/readyz", token=None)
        assert ready.status_code == 200 and ready.json() == {"ready": True, "problems": {}}

        await sim.server.stop()  # Asterisk goes away: not ready, and the link gauge says so
        listener = service.context.extras["ami_listener"]
        async with asyncio.timeout(30):
            while listener.connected.is_set():
                await asyncio.sleep(0.1)
        down = await _scrape(port, "/readyz", token=None)
        assert down.status_code == 503 and down.json()["problems"] == {"ami": "not logged in"}
        assert value(samples((await _scrape(port)).text), "callcenter_ami_link_up") == 0
    finally:
        await service.stop()


async def test_web_requests_are_counted_by_route_template(tmp_path: Path) -> None:
    from callcenter.observability.metrics import REGISTRY

    def count(route: str, status: str) -> float:
        return REGISTRY.get_sample_value("callcenter_web_requests_total",
                                         {"method": "GET", "route": route, "status": status}) or 0.0

    login, missing = count("/login", "200"), count("unmatched", "404")
    async with (running_web(tmp_path) as web,
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{web.port}") as http):
        for _ in range(3):
            assert (await http.get("/login")).status_code == 200
        assert (await http.get("/no-such-page/13800000001")).status_code == 404
    assert count("/login", "200") - login == 3
    assert count("unmatched", "404") - missing == 1  # the path (a phone number here) is never a label
    assert REGISTRY.get_sample_value("callcenter_web_requests_total",
                                     {"method": "GET", "route": "/no-such-page/13800000001",
                                      "status": "404"}) is None


def test_metrics_off_loopback_need_a_token(hotline_path: Path) -> None:
    base = {"CALLCENTER_HOTLINE": str(hotline_path), "CALLCENTER_METRICS_PORT": "9464"}
    with pytest.raises(ConfigError, match="CALLCENTER_METRICS_TOKEN"):
        load_settings({**base, "CALLCENTER_METRICS_HOST": "0.0.0.0"})
    settings = load_settings({**base, "CALLCENTER_METRICS_HOST": "0.0.0.0",
                              "CALLCENTER_METRICS_TOKEN": TOKEN})
    assert isinstance(settings.metrics_token, Secret) and settings.metrics_port == 9464
    assert load_settings({"CALLCENTER_HOTLINE": str(hotline_path)}).metrics_port is None  # off unless asked


def test_queue_and_callback_gauges_read_either_database(database_url: str, tmp_path: Path) -> None:
    """The scrape-time gauges on SQLite and on PostgreSQL: two jobs waiting (the oldest 2 minutes),
    two callbacks due, one past its promised time; nothing of the link or spool in a process that
    follows no Asterisk."""
    from callcenter.db.models.calls import Call
    from callcenter.db.session import make_engine, make_session_factory
    from callcenter.observability.collector import ServiceCollector

    engine = make_engine(database_url)
    ctx = SimpleNamespace(sessions=make_session_factory(engine), extras={})
    now = dt.datetime.now(dt.UTC)
    with unit_of_work(ctx.sessions) as session:
        calls = [Call(linkedid=f"1796.{n}", caller="13800138000", started_at=now, ended_at=now,
                      answered=True, hangup_first="caller") for n in range(3)]
        session.add_all(calls)
        session.flush()
        session.add_all([
            TranscriptionJob(call_id=calls[0].id, recordings=[], status="queued",
                             created_at=now - dt.timedelta(seconds=120)),
            TranscriptionJob(call_id=calls[1].id, recordings=[], status="queued", created_at=now),
            TranscriptionJob(call_id=calls[2].id, recordings=[], status="running", created_at=now)])
        for n, (due, promised) in enumerate([(-60, -600), (-60, 600), (600, 1200)]):
            session.add(Callback(caller=f"1380000010{n}", reason="missed",
                                 due_at=now + dt.timedelta(seconds=due),
                                 promised_at=now + dt.timedelta(seconds=promised), dedupe_key=f"m{n}"))
    try:
        got = {m.name: m.samples[0].value for m in ServiceCollector(ctx).collect()}
    finally:
        engine.dispose()
    assert got.keys() == {"callcenter_transcription_queue_depth", "callcenter_transcription_lag_seconds",
                          "callcenter_callbacks_due", "callcenter_callbacks_overdue"}
    assert got["callcenter_transcription_queue_depth"] == 2
    assert 120 <= got["callcenter_transcription_lag_seconds"] < 600
    assert (got["callcenter_callbacks_due"], got["callcenter_callbacks_overdue"]) == (2, 1)
