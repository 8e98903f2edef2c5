"""Migration 0012 (issue 16): a transcription job still to run that names a recording by an
absolute path of this node's recordings directory is named by this node's store and the path
relative to it; a finished job and a path elsewhere are left as they were."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from callcenter.db.models.calls import Call
from callcenter.db.session import alembic_config, make_engine, make_session_factory, migrate, unit_of_work


def test_open_jobs_get_the_nodes_store_and_relative_paths(database_url: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLCENTER_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CALLCENTER_PBX_NAME", "pbx-a")
    root = (tmp_path / "var" / "recordings").resolve()
    command.downgrade(alembic_config(database_url), "0012_recording_stores-1")
    engine = make_engine(database_url)
    now = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
    own = [{"speaker": "caller", "path": str(root / "7.1-caller.wav")},
           {"speaker": "agent", "path": "/mnt/elsewhere/7.1-agent.wav"}]
    with unit_of_work(make_session_factory(engine)) as session:
        for call_id in (1, 2):
            session.add(Call(id=call_id, server="pbx-a", linkedid=f"7.{call_id}", started_at=now,
                             ended_at=now, answered=True, hangup_first="caller"))
    with engine.begin() as conn:
        for call_id, status in ((1, "queued"), (2, "done")):
            conn.execute(text("INSERT INTO transcription_jobs (call_id, recordings, status, attempts, "
                              "created_at, updated_at) VALUES (:c, :r, :s, 0, :t, :t)"),
                         {"c": call_id, "r": json.dumps(own), "s": status, "t": now})
    migrate(database_url)
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT status, recordings FROM transcription_jobs")).all())
    engine.dispose()
    named = {s: json.loads(r) if isinstance(r, str) else r for s, r in rows.items()}
    assert named["queued"] == [{"speaker": "caller", "store": "pbx-a", "path": "7.1-caller.wav"},
                               {"speaker": "agent", "path": "/mnt/elsewhere/7.1-agent.wav"}]
    assert named["done"] == own
