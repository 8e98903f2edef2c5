"""Helpers for tests that start the whole service against pbxsim."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from callcenter.config import Settings
from callcenter.service import Service


@contextlib.asynccontextmanager
async def running(settings: Settings, factories: list[str]) -> AsyncIterator[Service]:
    """The service with only these components, stopped (within 15 s) at the end."""
    service = Service(settings, factories=factories)
    await service.start()
    try:
        yield service
    finally:
        await asyncio.wait_for(service.stop(), 15)


async def listener_ready(service: Service, timeout: float = 30.0) -> None:
    """Until the AMI listener has logged in and taken its first snapshot (channels and queues):
    events from then on reach the tracker. A bound, not a wait: it returns as soon as that is so."""
    calls = next(c for c in service._started if c.name == "calls")
    async with asyncio.timeout(timeout):
        await calls.listener.connected.wait()  # type: ignore[attr-defined]


def component_process(*factories: str, log_info: bool = False) -> str:
    """The source of a process running only these components until SIGTERM, as one part of the
    service runs on a machine of its own; it prints ``running`` once started."""
    logging = "import logging; logging.basicConfig(level=logging.INFO)\n" if log_info else ""
    return f"""
import asyncio, signal
from callcenter.config import load_settings
from callcenter.service import Service
{logging}
async def main():
    service = Service(load_settings(), factories={list(factories)!r})
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await service.start()
    print("running", flush=True)
    await stop.wait()
    await service.stop()

asyncio.run(main())
"""
