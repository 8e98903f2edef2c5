"""``callcenter …``: the command line. Each area keeps its commands in its own module; this
file only mounts them."""

from __future__ import annotations

import importlib
import logging
import os
import sys

import typer

from callcenter import console, privacy, startup
from callcenter import log_format as log_format_module
from callcenter.errors import CallcenterError

app = typer.Typer(help="callcenter: the three-ring rule, greetings, tickets and callbacks "
                  "for Asterisk hotlines.",
                  no_args_is_help=True, pretty_exceptions_enable=False)

# (module, attribute, name): a Typer sub-app mounted as `callcenter NAME …`, or a plain
# function registered as the command NAME when it is not a Typer.
MOUNTS: list[tuple[str, str, str]] = [
    ("callcenter.db.cli", "app", "db"),
    ("callcenter.runner", "run", "run"),
    ("callcenter.calls.cli", "replay", "replay"),
    ("callcenter.tickets.cli", "app", "tickets"),
    ("callcenter.reports.cli", "app", "report"),
    ("callcenter.web.cli", "app", "web"),
    ("callcenter.agents.cli", "app", "agents"),
    ("callcenter.ivr.commands", "sounds_app", "sounds"),
    ("callcenter.ivr.commands", "dialplan_app", "dialplan"),
    ("callcenter.callbacks.cli", "app", "callbacks"),
    ("callcenter.speech.cli", "app", "models"),
    ("callcenter.speech.cli", "transcribe", "transcribe"),
    ("callcenter.doctor.cli", "doctor", "doctor"),
]


@app.callback()
def _options(
    verbose: bool = typer.Option(False, "--verbose", "-v",
                                 help="also show third-party INFO lines (scheduler, migrations, web access)"),
    log_format: str | None = typer.Option(None, "--log-format",
                                          help="text, or json: one JSON object per line "
                                               "(default: CALLCENTER_LOG_FORMAT, text)"),
) -> None:
    console.show_third_party(verbose)
    log_format_module.apply(log_format_module.chosen(log_format, os.environ), os.environ)


def _mount() -> None:
    for module, attribute, name in MOUNTS:
        target = getattr(importlib.import_module(module), attribute)
        if isinstance(target, typer.Typer):
            app.add_typer(target, name=name)
        else:
            app.command(name)(target)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # R17: callers' numbers are masked in the log unless CALLCENTER_LOG_PII=1 (debugging).
    if not privacy.mask_log_handlers(os.environ):
        logging.getLogger(__name__).warning("%s=1: the log holds callers' whole phone numbers",
                                            privacy.LOG_PII_SETTING)
    console.show_third_party(False)
    _mount()
    try:
        app()
    except CallcenterError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except Exception as exc:
        line = startup.describe(exc)
        if line is None:
            raise  # not a known edge: a bug, with its traceback
        typer.echo(f"error: {line}", err=True)
        sys.exit(2)
