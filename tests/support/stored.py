"""A finished call through the real writer (spool, then database) and back as the stored row."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from callcenter.calls.model import CallRecord
from callcenter.db.models.calls import Call
from callcenter.db.session import make_engine, make_session_factory
from callcenter.store.spool import Spool
from callcenter.store.writer import CallWriter


def stored_call(database_url: str, spool_dir: Path, record: CallRecord) -> Call:
    """The one call the database holds after the writer stored ``record`` (and refused nothing)."""
    engine = make_engine(database_url)
    try:
        writer = CallWriter(make_session_factory(engine), Spool(spool_dir, 1 << 30))
        writer.start()
        writer.submit(record, [])
        writer.flush()
        writer.stop()
        assert not writer.rejected_path.exists(), "the writer refused the call"
        with make_session_factory(engine)() as session:
            call = session.scalars(select(Call)).one()
            session.expunge(call)
            return call
    finally:
        engine.dispose()
