"""transcription_jobs: recordings named by a store and a relative path (issue 16)

Jobs still to run that carry absolute paths of this machine's recordings directory
(CALLCENTER_VAR_DIR/recordings or CALLCENTER_RECORDINGS_DIR) get this node's store name
(CALLCENTER_RECORDING_STORE, else CALLCENTER_PBX_NAME, else "pbx") and the path relative to that
directory, so a worker on another machine can fetch them. Other absolute paths stay as they are
(read as before, on this machine). Finished jobs are history and are left alone.

Revision ID: 0012_recording_stores
Revises: 0011_relay
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0012_recording_stores"
down_revision = "0011_relay"
branch_labels = None
depends_on = "0002_speech"  # its table

_OPEN = ("queued", "running", "waiting")


def _root() -> Path:
    given = os.environ.get("CALLCENTER_RECORDINGS_DIR")
    var = Path(os.environ.get("CALLCENTER_VAR_DIR") or "var")
    return Path(given) if given else var / "recordings"


def _store() -> str:
    return os.environ.get("CALLCENTER_RECORDING_STORE") or os.environ.get("CALLCENTER_PBX_NAME") or "pbx"


def _named(entries: list[dict[str, str]], root: Path, store: str) -> list[dict[str, str]] | None:
    out, changed = [], False
    for entry in entries:
        path = Path(str(entry.get("path", "")))
        if "store" not in entry and path.is_absolute() and path.resolve().is_relative_to(root):
            out.append({**entry, "store": store, "path": path.resolve().relative_to(root).as_posix()})
            changed = True
        else:
            out.append(entry)
    return out if changed else None


def upgrade() -> None:
    jobs = sa.table("transcription_jobs", sa.column("id", sa.Integer), sa.column("status", sa.String),
                    sa.column("recordings", sa.JSON))
    conn = op.get_bind()
    root, store = _root().resolve(), _store()
    for job_id, raw in conn.execute(sa.select(jobs.c.id, jobs.c.recordings).where(jobs.c.status.in_(_OPEN))):
        entries = json.loads(raw) if isinstance(raw, str) else raw
        named = _named(list(entries or []), root, store)
        if named is not None:
            conn.execute(jobs.update().where(jobs.c.id == job_id).values(recordings=named))


def downgrade() -> None:
    jobs = sa.table("transcription_jobs", sa.column("id", sa.Integer), sa.column("status", sa.String),
                    sa.column("recordings", sa.JSON))
    conn = op.get_bind()
    root = _root().resolve()
    for job_id, raw in conn.execute(sa.select(jobs.c.id, jobs.c.recordings).where(jobs.c.status.in_(_OPEN))):
        entries = json.loads(raw) if isinstance(raw, str) else raw
        back = [{"speaker": e["speaker"], "path": str(root / e["path"])} if "store" in e else e
                for e in entries or []]
        conn.execute(jobs.update().where(jobs.c.id == job_id).values(recordings=back))
