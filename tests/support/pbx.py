"""pbxsim behind its AMI server on a free port, as the tests that talk to it over real TCP start
it, and the calls a run left in the database."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import select

from callcenter.db.models.calls import Call
from callcenter.db.session import make_engine, make_session_factory
from callcenter.pbxsim import Pbx, PbxConfig
from callcenter.pbxsim.ami_server import AmiServer

# The AMI users of the action tests: the listener's and the action client's, with their secrets.
ACTION_USERS = {"listener": "l1", "actions": "a1"}


@contextlib.asynccontextmanager
async def serving_pbx(config: PbxConfig, speed: float) -> AsyncIterator[AmiServer]:
    """The PBX and its AMI server; on the way out the PBX stops first, then the server."""
    pbx = Pbx(config, speed=speed, clock=None)
    server = AmiServer(pbx, auth_failure_delay=0.05)
    await server.start()
    try:
        yield server
    finally:
        await pbx.stop()
        await server.stop()


@contextlib.asynccontextmanager
async def pbx_writing_queue_log(tmp_path: Path, speed: float) -> AsyncIterator[tuple[AmiServer, Path]]:
    """A PBX that writes its queue_log under ``tmp_path`` (as Asterisk does), and that file's path."""
    path = tmp_path / "asterisk" / "queue_log"
    async with serving_pbx(PbxConfig(queue_log=str(path)), speed) as server:
        yield server, path


def stored_calls(database_url: str) -> list[Call]:
    """Every call row in the database, read in a session of its own."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return list(session.scalars(select(Call)))
    finally:
        engine.dispose()
