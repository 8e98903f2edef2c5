"""The recordings endpoint of a node that writes recordings (issue 16): transcription workers on
other machines fetch ``GET /recordings/<store>/<path>`` with ``Authorization: Bearer <token>``
(CALLCENTER_RECORDINGS_TOKEN). It serves only this node's store, only files inside its
recordings directory, and only to a caller with the token; it sits out unless both
CALLCENTER_RECORDINGS_TOKEN and CALLCENTER_RECORDINGS_PORT are set."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from callcenter.listening import listening_socket
from callcenter.service import ServiceContext
from callcenter.speech.stores import UnsafePath, inside

log = logging.getLogger(__name__)


def recordings_app(store: str, root: str, token: str) -> Starlette:
    from pathlib import Path

    async def recording(request: Request) -> Response:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return PlainTextResponse("a valid token is required", status_code=401)
        if request.path_params["store"] != store:
            return PlainTextResponse("not this node's store", status_code=404)
        try:
            path = inside(Path(root), request.path_params["path"])
        except UnsafePath:
            return PlainTextResponse("not a path inside the store", status_code=400)
        if not path.is_file():
            return PlainTextResponse("no such recording (yet)", status_code=404)
        return FileResponse(path, media_type="audio/wav")

    return Starlette(routes=[Route("/recordings/{store}/{path:path}", recording)])


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # the service owns the signals
        yield


class RecordingsServer:
    name = "recordings"

    def __init__(self, ctx: ServiceContext) -> None:
        settings = ctx.settings
        assert settings.recordings_token is not None and settings.recordings_port is not None
        self._host, self._port = settings.recordings_host, settings.recordings_port
        app = recordings_app(settings.recording_store, str(settings.recordings_dir),
                             settings.recordings_token.reveal())
        self.server = _Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="off",
                                             timeout_graceful_shutdown=2))
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        sock = listening_socket(self._host, self._port, host_setting="CALLCENTER_RECORDINGS_HOST",
                                port_setting="CALLCENTER_RECORDINGS_PORT")
        self._task = asyncio.create_task(self.server.serve(sockets=[sock]), name="recordings:serve")
        while not self.server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError("the recordings endpoint stopped while starting")
            await asyncio.sleep(0.02)
        log.info("recordings endpoint on http://%s:%s/recordings/", self._host, sock.getsockname()[1])

    async def stop(self) -> None:
        self.server.should_exit = True
        if self._task is not None:
            await self._task
            self._task = None


def build(ctx: ServiceContext) -> RecordingsServer | None:
    settings = ctx.settings
    if settings.recordings_token is None or settings.recordings_port is None:
        return None
    return RecordingsServer(ctx)
