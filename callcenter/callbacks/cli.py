"""``callcenter callbacks …``: list, run, reschedule and close callbacks (contract C6).

Changes land in the database; a running service places a callback made due at its next sweep
(``callbacks.sweep_seconds``). Numbers are masked unless ``--full-numbers`` (R17).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from zoneinfo import ZoneInfo

import typer
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from callcenter.callbacks import service
from callcenter.callbacks.outcomes import mask
from callcenter.callbacks.policies import PolicySettings
from callcenter.config import Settings, load_settings
from callcenter.db.models.callbacks import Callback
from callcenter.db.session import make_engine, make_session_factory, migrate, unit_of_work
from callcenter.words.catalogue import both
from callcenter.words.enums import word
from callcenter.words.formats import local_time

CLI_LANG = "en"  # the command line speaks English; its words come from the same catalogues as the pages


def local_text(when: dt.datetime, timezone: str) -> str:
    """``2026-12-07 08:00`` in the hotline's zone (no offset: every time shown is in that zone)."""
    return local_time(when, timezone, CLI_LANG, "minute")

app = typer.Typer(help="Callbacks the centre owes its customers (R6-R9, R12, R18).", no_args_is_help=True)


def _row(cb: Callback, now: dt.datetime, full: bool, timezone: str) -> dict[str, object]:
    zone = ZoneInfo(timezone)
    return {"id": cb.id, "reason": cb.reason, "caller": cb.caller if full else mask(cb.caller),
            "owner": cb.owner, "department": cb.department, "ticket_id": cb.ticket_id,
            "due_at": cb.due_at.astimezone(zone).isoformat(),
            "promised_at": cb.promised_at.astimezone(zone).isoformat(),
            "overdue": cb.promised_at <= now, "status": cb.status,
            "attempts": cb.attempts, "escalated": cb.escalated_at is not None, "outcome": cb.outcome}


def _when(value: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date and time like 2026-11-26T09:30+08:00") from None
    if when.tzinfo is None:
        raise typer.BadParameter(f"{value!r} has no time zone; add one, e.g. +08:00")
    return when


def _sessions() -> tuple[Settings, Engine, sessionmaker[Session]]:
    settings = load_settings()
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    return settings, engine, make_session_factory(engine)


@app.command("list")
def list_(agent: str = typer.Option(None, help="工号: this agent's callbacks (default: everyone's)"),
          upcoming: bool = typer.Option(False, help="include the ones not due yet"),
          full_numbers: bool = typer.Option(False, help="show whole phone numbers (R17)"),
          as_json: bool = typer.Option(False, "--json", help="a JSON array of the callbacks listed")) -> None:
    """Due callbacks, overdue first; times in the hotline's time zone."""
    settings, engine, sessions = _sessions()
    now = dt.datetime.now(dt.UTC)
    zone = settings.hotline.centre.timezone
    departments = [d.id for d in settings.hotline.departments if agent in d.agents] if agent else []
    with unit_of_work(sessions) as session:
        found = service.due_for(session, agent, now, departments=departments, include_upcoming=True)
        later = sorted((cb for cb in found if cb.due_at > now), key=lambda cb: cb.due_at)
        shown = [cb for cb in found if upcoming or cb.due_at <= now]
        rows = [_row(cb, now, full_numbers, zone) for cb in shown]
        lines = [f"#{cb.id:<6} {word(CLI_LANG, 'callback_reason', cb.reason):<22} {row['caller']:<14} "
                 f"due {local_text(cb.due_at, zone)}{' OVERDUE' if row['overdue'] else ''}  "
                 f"{word(CLI_LANG, 'callback_status', cb.status)} ({cb.attempts} attempts)"
                 f"  owner {cb.owner or '-'} dept {cb.department or '-'}"
                 for cb, row in zip(shown, rows, strict=True)]
        next_due = local_text(later[0].due_at, zone) if later else None
    engine.dispose()
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for line in lines:
        typer.echo(line)
    if not upcoming:
        if not rows:
            typer.echo(both("cli.no_callbacks_due"))
        if later:
            typer.echo(both("cli.callbacks_later", count=len(later), due=next_due, zone=zone))
    elif not rows:
        typer.echo(both("cli.no_open_callbacks"))


@app.command("run")
def run(callback_id: int) -> None:
    """Make a callback due now; the running service places it at its next sweep."""
    _change(lambda s, now: service.run_now(s, callback_id, now), "due now")


@app.command("reschedule")
def reschedule(callback_id: int, when: str = typer.Argument(..., help="e.g. 2026-11-26T09:30+08:00"),
               reason: str = typer.Option(..., help="why it moves (kept on record)")) -> None:
    """Move a callback to another time, with the reason."""
    _change(lambda s, now: service.reschedule(s, callback_id, _when(when), reason, now), "rescheduled")


@app.command("close")
def close(callback_id: int, outcome: str = typer.Option(..., help="how it went")) -> None:
    """Close a callback with its outcome (a complaint gets its next follow-up while open, R7)."""
    settings = load_settings()
    cfg = PolicySettings.from_hotline(settings.hotline)
    _change(lambda s, now: service.close(s, callback_id, outcome, now, cfg=cfg), "closed")


def _change(action: Callable[[Session, dt.datetime], Callback], done: str) -> None:
    settings, engine, sessions = _sessions()
    zone = settings.hotline.centre.timezone
    now = dt.datetime.now(dt.UTC)
    try:
        with unit_of_work(sessions) as session:
            cb = action(session, now)
            line = (f"callback #{cb.id} {done}: {cb.status}, due {local_text(cb.due_at, zone)} "
                    f"({zone})")
    finally:
        engine.dispose()
    typer.echo(line)
