"""Engines, sessions and migrations.

Whoever frames the work (one finished call, one request, one job) opens the session and
commits; data functions never commit. The engine is synchronous: database work runs in a
worker thread, never on the event loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from callcenter.files import private_file

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 0x63616C6C6D696772  # b"callmigr": the advisory lock that serialises migrations


def make_engine(url: str, sqlite_busy_timeout: float = 30.0, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            private_file(Path(parsed.database))  # var/ 0700, the database 0600 (R17)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": sqlite_busy_timeout},
                               **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One framed piece of work: commit on success, roll back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str, engine: Engine | None = None) -> None:
    """Bring the schema to the newest revision of every migration branch."""
    from alembic import command

    config = alembic_config(url)
    if engine is None and make_url(url).get_backend_name() == "postgresql":
        engine = owned = make_engine(url, poolclass=NullPool)
    else:
        owned = None
    try:
        if engine is not None:
            with engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    # Processes started together (trackers, web front ends, workers, schedulers)
                    # migrate one after the other; the later ones find the schema current.
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
                config.attributes["connection"] = connection
                command.upgrade(config, "heads")
        else:
            command.upgrade(config, "heads")
    finally:
        if owned is not None:
            owned.dispose()
