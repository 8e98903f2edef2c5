"""``callcenter tickets …``: transcripts to tickets from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from callcenter.tickets.builder import extract
from callcenter.tickets.transcript import TranscriptError, read_jsonl

app = typer.Typer(help="Tickets from transcripts (R4, R5, R19) and quality checks (R2, R3, R16).",
                  no_args_is_help=True)


@app.callback()
def tickets() -> None:
    """Tickets from transcripts (R4, R5, R19) and quality checks (R2, R3, R16)."""


@app.command("from-transcript")
def from_transcript(
    file: Annotated[Path, typer.Argument(help="JSON lines, one call each: {id, turns: [{speaker, text}]}; "
                                              "labels ignored")],
    centre: Annotated[str | None, typer.Option(help="the centre's name, also accepted as naming the centre "
                                                    "in the greeting")] = None,
) -> None:
    """Print one JSON object per call: id, category, urgent, caller_name, address, phone,
    preferred_time, greeting_ok, apology_given, forbidden_phrases, closing_ok."""
    if not file.is_file():
        typer.echo(f"error: {file} is not a readable file", err=True)
        raise typer.Exit(2)
    bad = 0
    for item in read_jsonl(file):
        if isinstance(item, TranscriptError):
            bad += 1
            typer.echo(f"error: {item}", err=True)
            continue
        typer.echo(json.dumps(extract(item, centre).as_json(), ensure_ascii=False))
    if bad:
        typer.echo(f"{bad} line(s) skipped", err=True)
        raise typer.Exit(1)
