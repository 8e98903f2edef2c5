"""The web fixtures the web tests share: a service context over the known day, an ASGI client on
its app, and a real uvicorn server (WebComponent) with its bus running."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient

from callcenter.clock import Clock, SystemClock
from callcenter.db.session import migrate
from callcenter.service import ServiceContext
from callcenter.web.app import create_app
from callcenter.web.component import WebComponent
from tests.browser.webapp import web_context


@contextlib.contextmanager
def known_day_context(database_url: str, tmp_path: Path) -> Iterator[ServiceContext]:
    context = web_context(database_url, tmp_path)
    try:
        yield context
    finally:
        context.engine.dispose()


@contextlib.asynccontextmanager
async def app_client(ctx: ServiceContext) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=create_app(ctx)),
                           base_url="http://testserver") as http:
        yield http


@contextlib.asynccontextmanager
async def running_web(tmp_path: Path, clock: Clock | None = None, **env: str) -> AsyncIterator[WebComponent]:
    """The web component on a free port, over SQLite, with its bus running; on real time (live
    pages and streams) unless a ``clock`` is given."""
    url = f"sqlite:///{tmp_path / 'web.db'}"
    migrate(url)
    ctx = web_context(url, tmp_path, clock=clock or SystemClock(), CALLCENTER_WEB_PORT="0", **env)
    await ctx.bus.start()
    component = WebComponent(ctx)
    await component.start()
    try:
        yield component
    finally:
        await component.stop()
        await ctx.bus.stop()
        ctx.engine.dispose()


# Fixtures for the web tests over the hand-computed day; test modules import them by name.
@pytest.fixture
def ctx(database_url: str, tmp_path: Path) -> Iterator[ServiceContext]:
    with known_day_context(database_url, tmp_path) as context:
        yield context


@pytest.fixture
async def client(ctx: ServiceContext) -> AsyncIterator[AsyncClient]:
    async with app_client(ctx) as http:
        yield http
