"""The relay component: the in-process bus of a process that runs some roles apart (issue 16),
carried to and from the other processes through PostgreSQL LISTEN/NOTIFY.

Whatever another role needs (``roles.INBOUND``) is sent when published here; what arrives is
published on this bus if one of this process's roles needs it. A tracker answers a web front
end's ``LiveSnapshotRequest`` with its calls in progress; a web front end asks for them when its
listener connects and, after a loss, starts its wallboard afresh (``RelayReconnected``).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from typing import Any

from callcenter.messages import LiveSnapshot, LiveSnapshotRequest, RelayReconnected
from callcenter.relay import codec
from callcenter.relay.link import PgRelay
from callcenter.roles import inbound_for, outbound
from callcenter.service import ServiceContext

log = logging.getLogger(__name__)


class RelayComponent:
    name = "relay"

    def __init__(self, ctx: ServiceContext, roles: list[str]) -> None:
        self.ctx = ctx
        self.origin = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._inbound = inbound_for(roles)
        self._relaying = False
        self.link = PgRelay(ctx.settings.database_url, self.origin, ctx.settings.pbx_name, self._arrived,
                            self._connected)
        ctx.bus.subscribe_sync(outbound(), self._outgoing)
        ctx.extras["relay"] = self

    async def start(self) -> None:
        await self.link.start()

    async def stop(self) -> None:
        await self.link.stop()

    def _outgoing(self, message: Any) -> None:
        if self._relaying:
            return  # it came from another process: not sent back
        kind, body = codec.encode(message)
        self.link.send(kind, body)

    def _connected(self, again: bool) -> None:
        if LiveSnapshot not in self._inbound:
            return
        if again:
            self._publish(RelayReconnected(at=self.ctx.clock.time()))
        self.link.send(*codec.encode(LiveSnapshotRequest(requested_by=self.origin)))

    def _arrived(self, kind: str, server: str, body: dict[str, Any]) -> None:
        try:
            message = codec.decode(kind, body)
        except codec.UnknownKind:
            log.debug("relay: ignoring a %s message from %s", kind, server)
            return
        if isinstance(message, LiveSnapshotRequest):
            self._answer_snapshot()
        if isinstance(message, self._inbound) and not isinstance(message, LiveSnapshotRequest):
            self._publish(message)

    def _answer_snapshot(self) -> None:
        tracker = self.ctx.tracker
        if tracker is None:
            return
        snapshot = LiveSnapshot(server=self.ctx.settings.pbx_name, calls=tuple(tracker.live_calls()))
        self.link.send(*codec.encode(snapshot))

    def _publish(self, message: Any) -> None:
        self._relaying = True
        try:
            self.ctx.bus.publish(message)
        finally:
            self._relaying = False


def build(ctx: ServiceContext) -> RelayComponent:
    return RelayComponent(ctx, list(ctx.extras.get("roles") or ()))
