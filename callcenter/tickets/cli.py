"""``callcenter tickets …``: transcripts to tickets from the command line, and how well they come
out on labeled transcripts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from callcenter.tickets.builder import extract
from callcenter.tickets.extract.urgent import emergency_kinds
from callcenter.tickets.transcript import Transcript, TranscriptError, read_jsonl
from callcenter.words.catalogue import both

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

app = typer.Typer(help="Tickets from transcripts (R4, R5, R19) and quality checks (R2, R3, R16).",
                  no_args_is_help=True)


@app.callback()
def tickets() -> None:
    """Tickets from transcripts (R4, R5, R19) and quality checks (R2, R3, R16)."""


def _readable(file: Path) -> None:
    if not file.is_file():
        problem = both("cli.not_a_file", file=file)
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(2)


@app.command("from-transcript")
def from_transcript(
    file: Annotated[Path, typer.Argument(help="JSON lines, one call each: {id, turns: [{speaker, text}]}; "
                                              "labels ignored")],
    centre: Annotated[str | None, typer.Option(help="the centre's name, also accepted as naming the centre "
                                                    "in the greeting")] = None,
) -> None:
    """Print one JSON object per call: id, category, urgent, caller_name, address, phone,
    preferred_time, greeting_ok, apology_given, forbidden_phrases, closing_ok, then the category's
    confidence, the two likeliest categories and whether the agent should be asked (ask_agent).
    The category comes from the centre's current model (see `tickets learn`), and the address
    also from the centre's own forms of address learned with it."""
    from callcenter.tickets.models import current_model

    _readable(file)
    model = current_model()
    bad = 0
    for item in read_jsonl(file):
        if isinstance(item, TranscriptError):
            bad += 1
            typer.echo(f"error: {item}", err=True)
            continue
        prediction = model.predict(item, bool(emergency_kinds(item)))
        record = extract(item, centre, prediction.category, forms=model.address_forms).as_json()
        record |= {"category_confidence": round(prediction.confidence, 3),
                   "category_top_two": [c for c, _ in prediction.top_two], "ask_agent": prediction.ask_agent}
        typer.echo(json.dumps(record, ensure_ascii=False))
    if bad:
        typer.echo(both("cli.lines_skipped", count=bad), err=True)
        raise typer.Exit(1)


def _labeled(file: Path) -> list[Transcript]:
    items = list(read_jsonl(file))
    bad = [str(i) for i in items if isinstance(i, TranscriptError)]
    if bad:
        for line in bad:
            typer.echo(f"error: {line}", err=True)
        raise typer.Exit(2)
    calls = [i for i in items if isinstance(i, Transcript)]
    unlabeled = [t.id for t in calls if "category" not in t.labels]
    if unlabeled:
        typer.echo(f"error: {file}: call {unlabeled[0]} has no labels.category; every line needs a labels "
                   "object (category, urgent, caller_name, address, phone, forbidden_phrases …)", err=True)
        raise typer.Exit(2)
    return calls


def _table(result: dict[str, Any]) -> str:
    def pct(value: float) -> str:
        return f"{value * 100:.1f}%"

    lines = [f"calls {result['count']}", f"category macro-F1 {pct(result['category_macro_f1'])}"]
    for name, c in result["category_per_class"].items():
        lines.append(f"  {name:10s} F1 {pct(c['f1']):>6s}  precision {pct(c['precision']):>6s}  "
                     f"recall {pct(c['recall']):>6s}  calls {c['support']}")
    urgent = result["urgent"]
    lines.append(f"urgent recall {pct(urgent['recall'])}  false alarms {urgent['false_alarms']}")
    for name in ("phone", "address", "caller_name", "preferred_time"):
        lines.append(f"{name} exact {pct(result['fields'][name]['exact'])}")
    forbidden = result["forbidden"]
    lines.append(f"forbidden phrases precision {pct(forbidden['precision'])}  "
                 f"recall {pct(forbidden['recall'])}")
    return "\n".join(lines)


@app.command("evaluate")
def evaluate(
    file: Annotated[Path, typer.Argument(help="labeled JSON lines (as from-transcript's input, each with a "
                                              "labels object)")],
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    rules_only: Annotated[bool, typer.Option("--rules-only", help="the category from the keyword rules, "
                                                                  "not the centre's model, and the "
                                                                  "address from the rules alone")] = False,
) -> None:
    """Category macro-F1 and per class, urgent recall and false alarms, phone/address/name exact,
    forbidden-phrase precision and recall, on labeled transcripts."""
    from callcenter.tickets.scoring import score

    if output not in ("table", "json"):
        typer.echo(f"error: --format {output!r}: use table or json", err=True)
        raise typer.Exit(2)
    _readable(file)
    calls = _labeled(file)
    if rules_only:
        result = score(calls)
    else:
        from callcenter.tickets.models import current_model

        model = current_model()
        result = score(calls, lambda t: model.predict(t, bool(emergency_kinds(t))).category,
                       model.address_forms)
    report = result.as_json()
    typer.echo(json.dumps(report, ensure_ascii=False, indent=1) if output == "json" else _table(report))


def _database() -> tuple[Engine, sessionmaker[Session]]:
    import os

    from callcenter.config import database_url
    from callcenter.db.session import make_engine, make_session_factory, migrate

    url = database_url(os.environ)
    migrate(url)
    engine = make_engine(url)
    return engine, make_session_factory(engine)


def _refit_and_say() -> None:
    import datetime as dt

    from callcenter.db.session import unit_of_work
    from callcenter.tickets.learning import refit

    engine, sessions = _database()
    with unit_of_work(sessions) as session:
        version = refit(session, dt.datetime.now(dt.UTC))
        if version.refused:
            typer.echo(both("cli.refit_refused", version=version.id, reason=version.refused))
        else:
            typer.echo(f"model version {version.id} active: {version.examples} examples "
                       f"({version.centre_examples} the centre's), test split macro-F1 "
                       f"{version.test_macro_f1 * 100:.1f}%")
    engine.dispose()


@app.command("learn")
def learn(
    file: Annotated[Path, typer.Argument(help="labeled JSON lines (as from-transcript's input, each with a "
                                              "labels object holding at least category)")],
    refit_after: Annotated[bool, typer.Option("--refit/--no-refit",
                                              help="refit the model afterwards")] = True,
) -> None:
    """Add labeled calls to the centre's examples in the configured database (each call once), then
    refit the category model; a refit scoring worse on the shipped test split is refused."""
    import datetime as dt

    from callcenter.db.session import unit_of_work
    from callcenter.tickets.classifier import labeled
    from callcenter.tickets.learning import add_labeled
    from callcenter.tickets.transcript import decoded_text

    _readable(file)
    calls = labeled(decoded_text(file).splitlines(), file.name)
    engine, sessions = _database()
    with unit_of_work(sessions) as session:
        result = add_labeled(session, calls, dt.datetime.now(dt.UTC))
    engine.dispose()
    typer.echo(both("cli.examples_added", added=result.added, known=result.already_known))
    if result.in_test_split:
        typer.echo(f"{len(result.in_test_split)} left out: they repeat the shipped test split, which judges "
                   f"refits ({', '.join(result.in_test_split[:5])})")
    if refit_after:
        _refit_and_say()


@app.command("refit")
def refit_command() -> None:
    """Refit the category model from the shipped and the centre's examples (also run on a schedule
    by the service); a refit scoring worse on the shipped test split is refused."""
    _refit_and_say()
