"""What the console shows. By default the service's own INFO (start, stop, the status line) and
every warning; with ``--verbose`` also each call's route (DEBUG) and third-party libraries' INFO
lines (APScheduler's job runs, Alembic's migration context on every command, uvicorn's start-up
and access log), which say nothing the people running the centre act on."""

from __future__ import annotations

import logging

THIRD_PARTY = ("apscheduler", "alembic", "uvicorn", "httpx", "panoramisk")


def show_third_party(verbose: bool) -> None:
    """``--verbose`` on or off (the default); warnings always show."""
    level = logging.INFO if verbose else logging.WARNING
    for name in THIRD_PARTY:
        logging.getLogger(name).setLevel(level)
    logging.getLogger("callcenter").setLevel(logging.DEBUG if verbose else logging.NOTSET)


def third_party_level() -> int:
    """The level third-party libraries log at now (the web server takes its access log from it)."""
    return logging.getLogger("uvicorn").getEffectiveLevel()
