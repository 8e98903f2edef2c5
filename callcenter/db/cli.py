"""``callcenter db …``: schema migrations."""

from __future__ import annotations

import typer

from callcenter.config import load_settings
from callcenter.db.session import migrate
from callcenter.words.catalogue import both

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Migrate the configured database to the newest schema."""
    settings = load_settings()
    migrate(settings.database_url)
    typer.echo(both("cli.database_current", database=settings.database_url.split('@')[-1]))
