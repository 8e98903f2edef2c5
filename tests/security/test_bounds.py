"""Bounded live streams (issue: one agent opened 8,000 SSE connections, memory 310 → 698 MB,
then FastAGI and the web UI stopped): a user holds at most [web] live_connections_per_user open
live pages and everyone together live_connections_total; a closed page frees its place."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import httpx

from tests.browser.webapp import AGENT, OTHER_AGENT, login
from tests.support.web import running_web

OPEN: list[object] = []


async def open_stream(stack: contextlib.AsyncExitStack, client: httpx.AsyncClient) -> httpx.Response:
    response = await stack.enter_async_context(client.stream("GET", "/wallboard/events"))
    if response.status_code == 200:
        lines = response.aiter_lines()
        OPEN.append(lines)  # kept: a finished iterator would close the stream
        while not (await anext(lines)).startswith("event: snapshot"):  # the stream is really open
            pass
    else:
        await response.aread()
    return response


async def test_one_user_cannot_hold_more_than_the_per_user_limit(tmp_path: Path) -> None:
    async with running_web(tmp_path) as web, contextlib.AsyncExitStack() as stack:
        base = f"http://127.0.0.1:{web.port}"
        agent = await stack.enter_async_context(httpx.AsyncClient(base_url=base, timeout=10))
        other = await stack.enter_async_context(httpx.AsyncClient(base_url=base, timeout=10))
        await login(agent, AGENT)
        await login(other, OTHER_AGENT)
        first = await open_stream(stack, agent)
        for _ in range(7):
            assert (await open_stream(stack, agent)).status_code == 200
        refused = await open_stream(stack, agent)
        assert refused.status_code == 429 and "at most 8 live pages" in refused.json()["detail"]
        assert (await open_stream(stack, other)).status_code == 200  # a colleague is not affected
        await first.aclose()
        for _ in range(50):  # the server notices the closed page on its next write or ping
            again = await open_stream(stack, agent)
            if again.status_code == 200:
                break
            await again.aclose()
            await asyncio.sleep(0.1)
        assert again.status_code == 200


async def test_everyone_together_cannot_hold_more_than_the_total_limit(tmp_path: Path) -> None:
    from tests.security.test_sessions import hotline_with

    hotline = hotline_with(tmp_path, "live_connections_total = 2\n")
    async with running_web(tmp_path, CALLCENTER_HOTLINE=str(hotline)) as web, \
            contextlib.AsyncExitStack() as stack:
        base = f"http://127.0.0.1:{web.port}"
        agent = await stack.enter_async_context(httpx.AsyncClient(base_url=base, timeout=10))
        other = await stack.enter_async_context(httpx.AsyncClient(base_url=base, timeout=10))
        await login(agent, AGENT)
        await login(other, OTHER_AGENT)
        assert (await open_stream(stack, agent)).status_code == 200
        assert (await open_stream(stack, other)).status_code == 200
        refused = await open_stream(stack, other)
        assert refused.status_code == 503 and "too many live pages" in refused.json()["detail"]
        assert (await agent.get("/api/wallboard")).status_code == 200  # the rest of the UI still answers
