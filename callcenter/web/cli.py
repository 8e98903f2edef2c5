"""``callcenter web …``: the web accounts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from callcenter.config import load_settings
from callcenter.db.session import make_engine, make_session_factory, migrate, unit_of_work
from callcenter.web.passwords import INITIAL_FILE, ensure_accounts, reset_password
from callcenter.web.sessions import end_sessions_of
from callcenter.words.catalogue import both

app = typer.Typer(help="Web UI accounts (工号 + password).", no_args_is_help=True)


@app.callback()
def _web() -> None:
    """Web UI accounts."""


@app.command("passwords")
def passwords(
    reset: Annotated[list[str] | None,
                     typer.Option("--reset", help="give this 工号 a new random password")] = None,
) -> None:
    """Create missing accounts and print the passwords generated now (CALLCENTER_WEB_PASSWORD_<工号> wins)."""
    settings = load_settings()
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            made = ensure_accounts(session, settings.hotline, os.environ, settings.var_dir)
            for user_id in reset or []:
                if settings.hotline.agent(user_id) is None:
                    raise typer.BadParameter(f"{user_id} is not an agent or supervisor in "
                                             f"{settings.hotline_path}")
                made.append((user_id, reset_password(session, user_id)))
                end_sessions_of(session, user_id)  # a reset password ends the account's sessions
    finally:
        engine.dispose()
    for user_id, password in made:
        typer.echo(f"{user_id}\t{password}")
    if made:
        return
    initial = _initial_passwords(settings.var_dir / INITIAL_FILE)
    if not initial:
        typer.echo(both("cli.no_initial_passwords"))
        return
    typer.echo(both("cli.initial_passwords", file=settings.var_dir / INITIAL_FILE))
    for user_id, password in initial.items():
        typer.echo(f"{user_id}\t{password}")


def _initial_passwords(path: Path) -> dict[str, str]:
    """工号 → the latest password generated for it (the file only ever grows)."""
    if not path.is_file():
        return {}
    latest: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        user_id, _, password = line.partition("\t")
        if user_id and password:
            latest[user_id] = password
    return latest
