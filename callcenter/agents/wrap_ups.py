"""Wrap-up pauses kept in the database with their end (data functions: the caller owns the
session). The in-memory timer alone would leave an agent paused for ever after a restart."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from callcenter.db.models.agents import WrapUpPause
from callcenter.db.session import unit_of_work


def _utc(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


class WrapUpStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def save(self, agent_id: str, interface: str, until: float) -> None:
        # One statement, not "read, then insert or update": two saves for one agent at once
        # (two front ends, a new wrap-up while the last save is on its way) both read "no row"
        # and the second insert broke on the primary key, losing the pause's end.
        with unit_of_work(self._sessions) as session:
            dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
            row = dialect.insert(WrapUpPause).values(agent_id=agent_id, interface=interface,
                                                     until=_utc(until))
            session.execute(row.on_conflict_do_update(
                index_elements=[WrapUpPause.agent_id],
                set_={"interface": row.excluded.interface, "until": row.excluded.until}))

    def clear(self, agent_id: str) -> None:
        with unit_of_work(self._sessions) as session:
            session.execute(delete(WrapUpPause).where(WrapUpPause.agent_id == agent_id))

    def load(self) -> dict[str, float]:
        """Agent id → when the wrap-up ends (epoch seconds)."""
        with unit_of_work(self._sessions) as session:
            return {row.agent_id: row.until.timestamp() for row in session.scalars(select(WrapUpPause))}
