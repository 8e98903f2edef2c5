"""What routing needs to know about a caller (R14 owner, R15 name), behind a small protocol.

The default reads the tickets area's look-ups (contract C5, ``callcenter.tickets.history``) in a
worker thread; tests and the demo can pass an in-memory source instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from callcenter.db.session import unit_of_work
from callcenter.tickets import history

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallerFacts:
    owner: str | None = None  # 工号 of the agent owning the caller's newest open matter (R14)
    name: str | None = None  # how the centre knows the caller (R15)


class CallerHistorySource(Protocol):
    def facts(self, caller: str) -> CallerFacts:
        """Blocking look-up; called from a worker thread, never on the event loop."""


class TicketsHistory:
    """Caller facts from the database through ``callcenter.tickets.history``."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def facts(self, caller: str) -> CallerFacts:
        with unit_of_work(self._sessions) as session:
            return CallerFacts(owner=history.open_ticket_owner(session, caller),
                               name=history.known_caller_name(session, caller))


@dataclass
class InMemoryHistory:
    owners: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def facts(self, caller: str) -> CallerFacts:
        return CallerFacts(owner=self.owners.get(caller), name=self.names.get(caller))
