"""The observability part of every process: counts the calls this process stores, and serves
/metrics, /healthz and /readyz on CALLCENTER_METRICS_HOST:CALLCENTER_METRICS_PORT when a port is set."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import uvicorn
from prometheus_client import CollectorRegistry

from callcenter import console
from callcenter.listening import listening_socket
from callcenter.messages import CallStored
from callcenter.observability import http, metrics
from callcenter.observability.collector import ServiceCollector

log = logging.getLogger(__name__)


class _QuietServer(uvicorn.Server):
    """No signal handling of its own: the service owns SIGINT/SIGTERM and stops us."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class ObservabilityComponent:
    name = "observability"

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.registry = CollectorRegistry(auto_describe=False)  # this service's gauges, read per scrape
        self.registry.register(ServiceCollector(ctx))
        self._server: _QuietServer | None = None
        self._task: asyncio.Task[None] | None = None
        self.port: int | None = None

    async def start(self) -> None:
        if self.ctx.extras.get("store_health") is not None:  # calls are stored here: count them here only
            self.ctx.bus.subscribe_sync(CallStored, self._stored)
        settings = self.ctx.settings
        if settings.metrics_port is None:
            return
        sock = listening_socket(settings.metrics_host, settings.metrics_port,
                                host_setting="CALLCENTER_METRICS_HOST",
                                port_setting="CALLCENTER_METRICS_PORT")
        config = uvicorn.Config(http.create_app(self.ctx, self.registry),
                                log_level=console.third_party_level(), lifespan="off", access_log=False,
                                log_config=None, timeout_graceful_shutdown=1)
        self._server = _QuietServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="observability:http")
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError("metrics listener stopped while starting")
            await asyncio.sleep(0.02)
        self.port = int(sock.getsockname()[1])
        self.ctx.extras["metrics_port"] = self.port
        log.info("metrics on http://%s:%d/metrics (also /healthz, /readyz)", settings.metrics_host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._task is not None:
            await self._task

    @staticmethod
    def _stored(message: CallStored) -> None:
        record = message.record
        metrics.call_stored(record.direction, record.answered, record.abandoned, record.rings)


def build(ctx: Any) -> ObservabilityComponent:
    return ObservabilityComponent(ctx)
