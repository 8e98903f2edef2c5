"""Stopping the service while agents have their desk open and a supervisor the wallboard: the
open live streams end first and the web server closes them cleanly. Before, the server waited
out its grace period, cancelled them and logged "Exception in ASGI application" with a
traceback at every stop or restart (``callcenter run --role web`` too)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import httpx
import pytest

from callcenter.db.session import migrate
from callcenter.service import Service
from tests.support.csrf import browser_login
from tests.support.desk import PASSWORD, desk_settings

AGENT, SUPERVISOR = "101", "900"


async def test_a_stop_with_a_desk_and_a_wallboard_open_ends_their_streams_without_an_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    migrate(url)
    for user in (AGENT, SUPERVISOR):
        monkeypatch.setenv(f"CALLCENTER_WEB_PASSWORD_{user}", PASSWORD.format(user))
    settings = desk_settings(tmp_path, url, CALLCENTER_WEB_PORT="0", CALLCENTER_WEB_HOST="127.0.0.1")
    service = Service(settings, factories=["callcenter.agents.component:build",
                                           "callcenter.web.component:build"])
    await service.start()
    web = next(c for c in service._started if c.name == "web")
    base = f"http://127.0.0.1:{web.port}"  # type: ignore[attr-defined]
    caplog.set_level(logging.INFO)
    async with httpx.AsyncClient(base_url=base, timeout=10) as agent, \
            httpx.AsyncClient(base_url=base, timeout=10) as supervisor:
        await browser_login(agent, AGENT, PASSWORD.format(AGENT), next="/desk")
        await browser_login(supervisor, SUPERVISOR, PASSWORD.format(SUPERVISOR), next="/wallboard")
        sse = {"accept": "text/event-stream"}
        async with agent.stream("GET", "/desk/events") as desk, \
                supervisor.stream("GET", "/wallboard/events", headers=sse) as board:
            assert (desk.status_code, board.status_code) == (200, 200)
            streams = [desk.aiter_lines(), board.aiter_lines()]
            async for line in streams[0]:
                if line.startswith("event: state"):
                    break  # the desk is live
            stopping = asyncio.create_task(service.stop())
            async with asyncio.timeout(30):  # a bound, not a speed target
                for lines in streams:
                    async for _line in lines:
                        pass  # both end: the server closed them
            await stopping
    problems = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert problems == [], [r.getMessage() for r in problems]
