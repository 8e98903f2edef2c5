"""The web component: uvicorn serving ``create_app(ctx)`` inside the service's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Iterator
from typing import Any

import uvicorn
from sqlalchemy import text

from callcenter import console
from callcenter.aio import favour_the_event_loop
from callcenter.db.session import unit_of_work
from callcenter.listening import listening_socket
from callcenter.web.app import create_app
from callcenter.web.password_worker import WORKER
from callcenter.web.passwords import INITIAL_FILE, ensure_accounts

log = logging.getLogger(__name__)
ACCOUNTS_LOCK = 0x63616C6C75736572  # b"calluser": the advisory lock around making the accounts


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its own signal handling: the service owns SIGINT/SIGTERM and stops us."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class WebComponent:
    name = "web"

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.app = create_app(ctx)
        level = console.third_party_level()  # its INFO and access log only with --verbose
        config = uvicorn.Config(self.app, host=ctx.settings.web_host, port=ctx.settings.web_port,
                                log_level=level, lifespan="off", timeout_graceful_shutdown=2,
                                # No handlers of uvicorn's own: its lines go through the service's log
                                # and so through its phone-number masking (R17, callcenter.privacy).
                                access_log=level <= logging.INFO, log_config=None)
        self.server = _EmbeddedServer(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        favour_the_event_loop()  # pages' queries run on threads beside the loop
        await asyncio.to_thread(self._accounts)
        await asyncio.to_thread(WORKER.start)  # ready (its dummy hash made) before the first login
        settings = self.ctx.settings
        sock = listening_socket(settings.web_host, settings.web_port, host_setting="CALLCENTER_WEB_HOST",
                                port_setting="CALLCENTER_WEB_PORT")
        self._task = asyncio.create_task(self.server.serve(sockets=[sock]), name="web:uvicorn")
        while not self.server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError("web server stopped while starting")
            await asyncio.sleep(0.02)
        log.info("web UI on http://%s:%s/", self.ctx.settings.web_host, self.port)

    @property
    def port(self) -> int:
        servers = getattr(self.server, "servers", [])
        for server in servers:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return int(self.ctx.settings.web_port)

    def _accounts(self) -> None:
        settings = self.ctx.settings
        with unit_of_work(self.ctx.sessions) as session:
            if session.get_bind().dialect.name == "postgresql":
                # Web front ends started together make the accounts once: the later ones wait
                # here and find them made (issue 16).
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ACCOUNTS_LOCK})
            made = ensure_accounts(session, settings.hotline, os.environ, settings.var_dir)
        if made:
            log.warning("web: initial passwords for %s written to %s "
                        "(`callcenter web passwords` shows them)",
                        ", ".join(user for user, _ in made), settings.var_dir / INITIAL_FILE)

    async def stop(self) -> None:
        await self.app.state.live.close()
        self.app.state.closing.set()  # open desk and wallboard streams end before the server does
        self.server.should_exit = True
        if self._task is not None:
            await self._task
            self._task = None
        busy = getattr(self.app.state, "busy_logins", None)
        if busy is not None:
            await busy.flush()
        await asyncio.to_thread(WORKER.stop)


def build(ctx: Any) -> WebComponent:
    return WebComponent(ctx)
