"""One manager connection to pbxsim's AMI server, as the action handlers see it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from callcenter.pbxsim.wire import Headers, encode, first


@dataclass(eq=False)
class Session:
    """One manager connection. ``actions`` logs every action received, in order (for tests)."""

    writer: asyncio.StreamWriter
    peer: str
    user: str | None = None
    events: bool = True
    challenge: str | None = None
    actions: list[Headers] = field(default_factory=list)
    closed: bool = False
    # manager.conf read/write classes of the logged-in user (every class unless configured).
    read: frozenset[str] = frozenset()
    write: frozenset[str] = frozenset()

    def send(self, headers: Headers) -> None:
        if not self.closed:
            self.writer.write(encode(headers))

    def respond(self, action: Headers, response: str, *extra: tuple[str, str]) -> None:
        action_id = first(action, "ActionID")
        self.send([("Response", response)] + ([("ActionID", action_id)] if action_id is not None else [])
                  + list(extra))

    def event(self, headers: Headers) -> None:
        if self.user is not None and self.events and self._may_read(first(headers, "Privilege") or ""):
            self.send(headers)

    def _may_read(self, privilege: str) -> bool:
        return {c for c in privilege.split(",") if c and c != "all"} <= self.read
