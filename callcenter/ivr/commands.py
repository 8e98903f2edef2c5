"""``callcenter sounds …`` and ``callcenter dialplan …``: build the prompts, render Asterisk's files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from callcenter.config import load_settings
from callcenter.ivr import prompts

sounds_app = typer.Typer(help="Prompts the hotline plays (sounds/zh/, 8 kHz 16-bit mono WAV).",
                         no_args_is_help=True)
dialplan_app = typer.Typer(help="Asterisk 20 configuration rendered from the hotline file (dialplans/).",
                           no_args_is_help=True)


@sounds_app.command("build")
def build(
    sounds_dir: Annotated[Path | None,
                          typer.Option(help="where sounds go (default: settings, sounds/)")] = None,
    force: Annotated[bool, typer.Option("--force", help="rebuild every prompt, changed or not")] = False,
) -> None:
    """Synthesise every prompt (custom recordings in sounds/zh/custom/ win); only changed ones are redone."""
    settings = load_settings(ami=False)  # step 1 of deploying, before the render makes the AMI secrets
    target = sounds_dir or settings.sounds_dir
    names = prompts.prompt_names(settings.hotline)
    with typer.progressbar(length=len(names), label="building prompts") as bar:
        def progress(name: str, what: str) -> None:
            bar.update(1)
            if what == "failed":
                typer.echo(f"\n  {name}: failed", err=True)

        result = prompts.build_prompts(settings.hotline, target, force=force, progress=progress)
    typer.echo(f"{len(result.built)} synthesised, {len(result.custom)} from custom recordings, "
               f"{len(result.unchanged)} unchanged, {len(result.failed)} failed -> "
               f"{prompts.language_dir(target)}")
    for name, problem in result.failed.items():
        typer.echo(f"error: {name}: {problem}", err=True)
    if result.failed:
        raise typer.Exit(1)


@sounds_app.command("list")
def list_prompts() -> None:
    """Print every prompt's name and text."""
    for prompt in prompts.prompt_catalogue(load_settings(ami=False).hotline):
        typer.echo(f"{prompt.name}\t{prompt.text}")


@dialplan_app.command("render")
def render(
    out_dir: Annotated[Path, typer.Option(help="where the .conf files go")] = Path("dialplans"),
    agi_host: Annotated[str | None, typer.Option(help="address Asterisk uses to reach the FastAGI server "
                                                     "(default: CALLCENTER_AGI_HOST, loopback)")] = None,
) -> None:
    """Write extensions.conf, queues.conf, pjsip.conf, manager.conf and logger.conf (queue_log)
    for Asterisk 20."""
    from callcenter.ivr import dialplan

    settings = load_settings(ami=False)  # the render makes the AMI secrets; it needs none
    written = dialplan.render_all(settings, out_dir, env=os.environ, agi_host=agi_host)
    for path in written:
        typer.echo(f"wrote {path}")
    missing = prompts.missing_prompts(settings.hotline, settings.sounds_dir)
    if missing:
        typer.echo(f"warning: {len(missing)} prompts are not built yet ({', '.join(missing[:5])}…); "
                   "run `callcenter sounds build`", err=True)
