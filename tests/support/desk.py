"""The agent's desk under test: a service context on a real database, the web app served by a
real uvicorn on a free port (so server-sent events stream as in production), and logins."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from callcenter.bus import EventBus
from callcenter.clock import Clock, SystemClock
from callcenter.config import Settings, load_settings
from callcenter.db.session import make_engine, make_session_factory, unit_of_work
from callcenter.service import ServiceContext

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "desk-pass-{}"  # each account's test password: desk-pass-101 …


def desk_settings(tmp_path: Path, database_url: str, **env: str) -> Settings:
    return load_settings({"CALLCENTER_HOTLINE": str(ROOT / "hotline.example.toml"),
                          "CALLCENTER_VAR_DIR": str(tmp_path / "var"),
                          "CALLCENTER_DATABASE_URL": database_url,
                          **env})


def make_context(settings: Settings, clock: Clock | None = None) -> ServiceContext:
    engine = make_engine(settings.database_url)
    return ServiceContext(settings=settings, bus=EventBus(), engine=engine,
                          sessions=make_session_factory(engine),
                          clock=clock or SystemClock())


def create_accounts(ctx: ServiceContext) -> None:
    from callcenter.web.passwords import ensure_accounts

    env = {f"CALLCENTER_WEB_PASSWORD_{a.id}": PASSWORD.format(a.id) for a in ctx.settings.hotline.agents}
    with unit_of_work(ctx.sessions) as session:
        ensure_accounts(session, ctx.settings.hotline, env, ctx.settings.var_dir)


@dataclass
class RunningWeb:
    url: str
    server: uvicorn.Server
    task: asyncio.Task[None]


@contextlib.asynccontextmanager
async def serve_web(ctx: ServiceContext) -> AsyncIterator[RunningWeb]:
    from callcenter.web.app import create_app

    app = create_app(ctx)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:
                await asyncio.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield RunningWeb(f"http://127.0.0.1:{port}", server, task)
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(task, 10)


async def login(client: httpx.AsyncClient, user_id: str) -> None:
    from tests.support.csrf import browser_login

    await browser_login(client, user_id, PASSWORD.format(user_id), next="/desk")


class EventReader:
    """Server-sent events of one open stream, read one at a time."""

    def __init__(self, response: httpx.Response) -> None:
        self._lines = response.aiter_lines()

    async def next(self, kinds: set[str], timeout: float = 5.0) -> dict[str, Any]:
        """The next event of one of ``kinds`` (others are skipped): {"event", "data"}."""
        import json

        event: dict[str, Any] = {}
        async with asyncio.timeout(timeout):
            async for line in self._lines:
                if line.startswith("event:"):
                    event = {"event": line.split(":", 1)[1].strip()}
                elif line.startswith("data:") and event.get("event") in kinds:
                    event["data"] = json.loads(line.split(":", 1)[1].strip())
                    return event
        raise AssertionError(f"stream ended without any of {kinds}")


# A small hotline for calls against pbxsim: the repair queue (menu key 1) has agent 101 alone,
# so a scripted call rings exactly that desk.
SMALL_HOTLINE = """
[centre]
name = "深科物业服务中心"
[hours]
open = 00:00:00
close = 23:59:59
[rules]
ring_cycle_seconds = {cycle}
rule_rings = 3
[menu]
timeout_seconds = 2
default_department = "service"
options = [{{ key = "1", label = "报修", department = "repair" }},
           {{ key = "0", label = "人工服务", department = "service" }}]
[[departments]]
id = "service"
name = "客服中心"
queue = "service"
agents = ["102"]
member_timeout_seconds = {member_timeout}
[[departments]]
id = "repair"
name = "工程维修"
queue = "repair"
agents = ["101"]
member_timeout_seconds = {member_timeout}
[[agents]]
id = "101"
name = "李秀英"
extension = "8101"
[[agents]]
id = "102"
name = "王磊"
extension = "8102"
[[agents]]
id = "900"
name = "周主管"
extension = "8900"
role = "supervisor"
"""

PBX_COMPONENTS = ["callcenter.pbxsim.component:build", "callcenter.calls.component:build",
                  "callcenter.agents.component:build"]
# The same service with the real tickets component, in the service's order (… → tickets → agents):
# a stored transcript becomes a draft ticket on the desk (C4/C5, R4).
PBX_TICKETS_COMPONENTS = [*PBX_COMPONENTS[:2], "callcenter.tickets.component:build", *PBX_COMPONENTS[2:]]


def small_hotline_settings(tmp_path: Path, database_url: str, cycle: float = 5, member_timeout: int = 12,
                           **env: str) -> Settings:
    """R1's cycle is configurable; a short one keeps the real-time calls of the browser tests short."""
    path = tmp_path / "hotline.toml"
    path.write_text(SMALL_HOTLINE.format(cycle=cycle, member_timeout=member_timeout), encoding="utf-8")
    return load_settings({"CALLCENTER_HOTLINE": str(path), "CALLCENTER_VAR_DIR": str(tmp_path / "var"),
                          "CALLCENTER_DATABASE_URL": database_url, "CALLCENTER_WRAP_UP_SECONDS": "0", **env})


async def wait_until(predicate: Any, timeout: float = 5.0, what: str = "condition") -> None:
    """Poll a real peer (pbxsim over TCP) until ``predicate()`` holds; bounded by ``timeout``."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)
    assert predicate(), what


def sent_actions(pbxsim: Any, name: str) -> list[dict[str, str]]:
    """Every action of this name pbxsim received, as header dicts, across its sessions."""
    sessions = [*pbxsim.server.sessions, *pbxsim.server.closed_sessions]
    return [dict(a) for s in sessions for a in s.actions if dict(a).get("Action", "").lower() == name.lower()]
