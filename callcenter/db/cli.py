"""``callcenter db …``: schema migrations."""

from __future__ import annotations

import typer

from callcenter.config import load_settings
from callcenter.db.session import migrate

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Migrate the configured database to the newest schema."""
    settings = load_settings()
    migrate(settings.database_url)
    typer.echo(f"database at {settings.database_url.split('@')[-1]} is up to date")
