"""The checks of the service's own side: the database and its schema, the speech model, the
recordings folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from callcenter.config import Settings
from callcenter.doctor.findings import Finding, fail, ok


def database(settings: Settings) -> Finding:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy.exc import SQLAlchemyError

    from callcenter.db.session import alembic_config, make_engine

    where = settings.database_label
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as exc:
        reason = (str(getattr(exc, "orig", None) or exc).splitlines() or ["?"])[0]
        return fail("database", f"cannot reach {where} ({reason}): check CALLCENTER_DATABASE_URL "
                                "and that the server is up")
    finally:
        engine.dispose()
    script = ScriptDirectory.from_config(alembic_config(settings.database_url))
    missing = _not_applied(script, current)
    if missing:
        state = "has no schema" if not current else f"lacks {', '.join(sorted(missing))}"
        return fail("database", f"{where} {state}: run `callcenter db upgrade`")
    return ok("database", f"{where} reachable, schema at the newest revision")


def _not_applied(script: Any, current: set[str]) -> set[str]:
    """Revisions the database lacks. Alembic keeps only the newest of each line in its version
    table, and drops a branch's head once another branch depends on it (``depends_on``), so the
    recorded heads are compared by what they include, not with the script's heads."""
    applied: set[str] = set()
    waiting = list(current)
    while waiting:
        revision = script.get_revision(waiting.pop())
        if revision is None or revision.revision in applied:
            continue
        applied.add(revision.revision)
        waiting.extend(revision._all_down_revisions)
    return {r.revision for r in script.walk_revisions()} - applied


def speech_model(settings: Settings) -> Finding:
    from callcenter.speech.errors import ModelUnavailable
    from callcenter.speech.models import resolve_model

    try:
        path = resolve_model(settings)
    except ModelUnavailable as exc:
        return fail("speech-model", str(exc))  # it names the model, where it looked, and how to install one
    return ok("speech-model", f"Vosk model at {path}")


def write_probe(settings: Settings, name: str) -> tuple[Path | None, Finding | None]:
    """The probe file Asterisk should see in its recordings folder; a Finding when it cannot be written."""
    folder = settings.recordings_dir
    path = folder / f"{name}.probe"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text("callcenter doctor\n", encoding="utf-8")
    except OSError as exc:
        return None, fail("recordings", f"the service cannot write to {folder} ({exc.strerror}): make it "
                                        "writable by the service's user (CALLCENTER_VAR_DIR)")
    return path, None
