"""Helpers for tests that start the whole service against pbxsim."""

from __future__ import annotations

import asyncio

from callcenter.service import Service


async def listener_ready(service: Service, timeout: float = 30.0) -> None:
    """Until the AMI listener has logged in and taken its first snapshot (channels and queues):
    events from then on reach the tracker. A bound, not a wait: it returns as soon as that is so."""
    calls = next(c for c in service._started if c.name == "calls")
    async with asyncio.timeout(timeout):
        await calls.listener.connected.wait()  # type: ignore[attr-defined]
