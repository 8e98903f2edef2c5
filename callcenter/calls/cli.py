"""``callcenter replay TRACE.ami``: one JSON object per call, one per line (DESIGN.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from callcenter import rules
from callcenter.calls.replay import replay_file
from callcenter.calls.ringing import RingRule


def replay(
    trace: Annotated[Path, typer.Argument(help="raw AMI capture (bytes as received from port 5038)")],
    ring_cycle: Annotated[float, typer.Option("--ring-cycle",
                                              help="seconds per ring cycle (R1)")] = rules.RING_CYCLE_SECONDS,
    rule_rings: Annotated[int, typer.Option("--rule-rings",
                                            help="rings allowed before answering (R1)")] = rules.RULE_RINGS,
    arrivals: Annotated[Path | None,
                        typer.Option("--arrivals", help="trace sidecar JSON with message_arrival_s, "
                                                  "for captures without Timestamp headers")] = None,
) -> None:
    """Replay a captured AMI stream through the call tracker and print each call as JSON."""
    try:
        rule = RingRule(ring_cycle, rule_rings)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    for record in replay_file(trace, rule, arrivals):
        typer.echo(json.dumps(record.as_replay_json(), ensure_ascii=False))
