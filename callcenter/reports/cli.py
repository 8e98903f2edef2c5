"""``callcenter report …``: the same figures as the web pages, on the command line."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from callcenter.config import load_settings
from callcenter.db.session import make_engine, make_session_factory, unit_of_work
from callcenter.reports.answer_times import Scope, answer_time_report
from callcenter.reports.measures import Thresholds
from callcenter.reports.period import local_today, make_period
from callcenter.reports.render import rows_for, to_csv, to_json, to_table
from callcenter.words.catalogue import gettext

app = typer.Typer(help="Reports: answer times against the three-ring rule (R1), follow-ups.",
                  no_args_is_help=True)


@app.callback()
def _reports() -> None:
    """Reports read the stored calls; figures match the web pages."""


class ByChoice(StrEnum):
    agent = "agent"
    queue = "queue"
    hour = "hour"
    day = "day"


class FormatChoice(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


@app.command("answer-times")
def answer_times(
    first: Annotated[str | None,
                     typer.Option("--from", help="first local day, YYYY-MM-DD (default: today)")] = None,
    last: Annotated[str | None,
                    typer.Option("--to", help="last local day, inclusive (default: --from/today)")] = None,
    by: Annotated[ByChoice,
                  typer.Option("--by", help="group rows by agent, queue, hour or day")] = ByChoice.agent,
    fmt: Annotated[FormatChoice, typer.Option("--format", help="table, csv or json")] = FormatChoice.table,
    lang: Annotated[str, typer.Option("--lang", help="labels: zh or en")] = "zh",
) -> None:
    """Calls offered, answered within three rings, late with/without apology, abandons, holds
    (R1, R2, R10, R11)."""
    import datetime as dt

    settings = load_settings()
    tz = settings.hotline.centre.timezone
    today = local_today(dt.datetime.now(dt.UTC), tz)
    period = make_period(first, last, today, tz)
    engine = make_engine(settings.database_url)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            report = answer_time_report(session, period, by.value,
                                        Thresholds.from_rules(settings.hotline.rules),
                                        Scope(), today)
    finally:
        engine.dispose()
    if fmt is FormatChoice.json:
        typer.echo(json.dumps(to_json(report, settings.hotline, lang), ensure_ascii=False, indent=2))
        return
    header, rows = rows_for(report, settings.hotline, lang)
    if fmt is FormatChoice.csv:
        typer.echo(to_csv(header, rows), nl=False)
    else:
        typer.echo(f"{gettext(lang, 'report_heading')} {period.label()} ({tz})")
        typer.echo(to_table(header, rows))


@app.command("followups")
def followups(
    first: Annotated[str | None,
                     typer.Option("--from", help="first local day, YYYY-MM-DD (default: today)")] = None,
    last: Annotated[str | None,
                    typer.Option("--to", help="last local day, inclusive (default: --from/today)")] = None,
) -> None:
    """Tickets, callbacks on time (R6-R8), complaint replies within 48 h (R7), satisfaction (R21),
    quality findings (R16) — as JSON."""
    import datetime as dt

    from callcenter.reports.followups import as_json, followup_report

    settings = load_settings()
    tz = settings.hotline.centre.timezone
    now = dt.datetime.now(dt.UTC)
    period = make_period(first, last, local_today(now, tz), tz)
    engine = make_engine(settings.database_url)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            report = followup_report(session, period, now)
    finally:
        engine.dispose()
    typer.echo(json.dumps(as_json(report), ensure_ascii=False, indent=2))
