"""``callcenter doctor``: run every check, print one line each, exit 1 when any failed."""

from __future__ import annotations

import asyncio
import os
from typing import Annotated

import typer

from callcenter.config import load_settings
from callcenter.roles import components_for
from callcenter.words.catalogue import both


def doctor(
    agi_host: Annotated[str | None, typer.Option(help="the --agi-host the dialplan was rendered with "
                                                      "(default: CALLCENTER_AGI_HOST, loopback)")] = None,
    role: Annotated[list[str] | None, typer.Option(
        "--role", help="check only what this part needs: tracker, web, worker or scheduler "
                       "(repeatable; none: the all-in-one service)")] = None,
) -> None:
    """Check a deployment before the first call: database, AMI users and rights, the dialplan Asterisk
    runs, the FastAGI round trip, prompts, the shared recordings folder, the speech model, the clocks."""
    from callcenter.doctor.run import diagnose

    roles = role or []
    components_for(roles)  # an unknown role stops here, named
    settings = load_settings()
    findings = asyncio.run(diagnose(settings, os.environ, agi_host, roles))
    for finding in findings:
        typer.echo(finding.line())
    failed = sum(1 for f in findings if not f.ok)
    typer.echo(both("cli.doctor_summary", ok=len(findings) - failed, failed=failed))
    if failed:
        raise typer.Exit(1)
