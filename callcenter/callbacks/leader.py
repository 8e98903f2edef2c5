"""One active scheduler per PostgreSQL database (DESIGN.md, Scale): the active one holds a session
advisory lock; standbys keep trying and take over when it goes (its connection closes, the lock
goes with it). SQLite serves one process: always the leader."""

from __future__ import annotations

import logging

from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)

# Any fixed 64-bit key names "the callback scheduler" among the service's advisory locks.
LOCK_KEY = 0x63616C6C6261636B  # b"callback"


class Leadership:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None
        self.held = False

    @property
    def needs_lock(self) -> bool:
        return self._engine.dialect.name == "postgresql"

    def try_acquire(self) -> bool:
        """Take the lock if free; blocking never (pg_try_advisory_lock)."""
        if not self.needs_lock:
            self.held = True
            return True
        conn = self._engine.connect()
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar())
        conn.commit()  # a session-level lock outlives the transaction; keep no transaction open
        if got:
            self._conn, self.held = conn, True
        else:
            conn.close()
        return got

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                self._conn.commit()
            except Exception:
                log.warning("callbacks: could not release the scheduler lock cleanly", exc_info=True)
            finally:
                self._conn.close()
                self._conn = None
        self.held = False
