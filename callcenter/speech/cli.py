"""``callcenter models …`` (list, install, download) and ``callcenter transcribe FILE.wav``."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from callcenter.config import load_settings
from callcenter.speech.download import KNOWN_MODELS, base_url, download_model
from callcenter.speech.errors import DownloadError, ModelUnavailable
from callcenter.speech.models import list_models, resolve_model
from callcenter.words.catalogue import both

app = typer.Typer(help="Vosk speech models: list, install, download.", no_args_is_help=True)


@app.command("list")
def list_command() -> None:
    """Show the models in the models directory and which one is configured."""
    settings = load_settings()
    models = list_models(settings.models_dir)
    typer.echo(both("models.directory", path=settings.models_dir))
    for model in models:
        state = both("models.ok") if model.problem is None else both("models.broken", problem=model.problem)
        typer.echo(f"  {model.name:32} {model.size_bytes / 1e6:9.1f} MB  {state}")
    if not models:
        typer.echo("  " + both("models.none_installed"))
    try:
        typer.echo(both("models.configured", model=resolve_model(settings)))
    except ModelUnavailable as exc:  # a missing model is a normal state here, not a failure of `list`
        typer.echo(both("models.configured_unavailable"))
        typer.echo(f"  {exc}")
    typer.echo(both("models.downloadable", names=", ".join(KNOWN_MODELS)))


@app.command("install")
def install_command(
    source: Annotated[Path, typer.Argument(help="a model directory or a model .zip")],
    name: Annotated[str | None, typer.Option(help="directory name under the models directory")] = None,
    replace: Annotated[bool,
                       typer.Option("--replace", help="overwrite an installed model of that name")] = False,
) -> None:
    """Install a model from a local directory or zip (checks its layout first)."""
    from callcenter.speech.models import install_model

    settings = load_settings()
    target = install_model(source, settings.models_dir, name, replace=replace)
    typer.echo(both("models.installed", path=target))


@app.command("download")
def download_command(
    name: Annotated[str, typer.Argument(help="e.g. vosk-model-small-cn-0.22 or vosk-model-cn-0.22")],
    url: Annotated[str | None,
                   typer.Option(help="model site (default: $CALLCENTER_MODELS_URL or the Vosk site)")] = None,
    sha256: Annotated[str | None, typer.Option(help="expected SHA-256 of the zip")] = None,
    size: Annotated[int | None, typer.Option(help="expected size of the zip in bytes")] = None,
    replace: Annotated[bool,
                       typer.Option("--replace", help="overwrite an installed model of that name")] = False,
) -> None:
    """Download NAME.zip from the model site (resumes an interrupted download), check it, unpack it."""
    if name not in KNOWN_MODELS and url is None and not os.environ.get("CALLCENTER_MODELS_URL"):
        # The Vosk site has no listing to check against: an unknown name would only fetch a 404 page.
        raise DownloadError(f"unknown model {name!r}; known: {', '.join(KNOWN_MODELS)} "
                            "(for another model, give its site with --url or CALLCENTER_MODELS_URL)")
    settings = load_settings()
    source = url or base_url()
    typer.echo(both("models.downloading", url=f"{source}/{name}.zip"))
    bar = _ProgressLine(name)
    installed, got = download_model(name, settings.models_dir, url_base=source, sha256=sha256, size=size,
                                    progress=bar, replace=replace)
    bar.finish()
    downloaded = ("models.downloaded_resumed" if got.resumed
                  else "models.downloaded_restarted" if got.restarts else "models.downloaded_complete")
    typer.echo(both(downloaded, size=got.size, sha256=got.sha256))
    if sha256 is None and (KNOWN_MODELS.get(name) is None or KNOWN_MODELS[name].sha256 is None):
        typer.echo(both("models.no_pinned_checksum"))
    typer.echo(both("models.installed", path=installed))


class _ProgressLine:
    """A progress line: redrawn in place on a terminal, one line per 10% step in a log."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.tty = sys.stdout.isatty()
        self._shown = -1

    def __call__(self, done: int, total: int | None) -> None:
        percent = int(100 * done / total) if total else None
        step = percent // 10 if percent is not None else done >> 23  # every 8 MB without a total
        if step == self._shown and not self.tty:
            return
        self._shown = step
        size = f"{done / 1e6:.1f}" + (f"/{total / 1e6:.1f}" if total else "") + " MB"
        line = f"{self.label} {percent:3d}% {size}" if percent is not None else f"{self.label} {size}"
        typer.echo(f"\r{line}" if self.tty else line, nl=not self.tty)

    def finish(self) -> None:
        if self.tty:
            typer.echo("")


def transcribe(
    file: Annotated[Path, typer.Argument(help="a mono 16-bit PCM WAV (8 or 16 kHz)")],
    model: Annotated[Path | None,
                     typer.Option(help="model directory (default: the configured model)")] = None,
) -> None:
    """Transcribe one recording and print the result as JSON (words with timestamps)."""
    from callcenter.speech.audio import inspect_wav
    from callcenter.speech.recognizer import Recognizer

    inspect_wav(file)  # refuse bad audio before paying for the model load
    path = model if model is not None else resolve_model(load_settings())
    # The result goes to stdout as JSON; what is happening meanwhile goes to stderr.
    typer.echo(both("speech.loading_model", name=path.name), err=True)
    recognizer = Recognizer(path)
    shown = _DecodeProgress(file.name)
    result = recognizer.transcribe(file, progress=shown)
    shown.finish()
    typer.echo(json.dumps({"model": path.name, **result.as_json()}, ensure_ascii=False, indent=2))


class _DecodeProgress:
    """``正在识别 NAME：40%（12.0 / 30.0 秒） / recognising NAME: 40% (12.0 of 30.0 s)`` on stderr,
    one line per 10% (redrawn on a terminal)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self._shown = -1

    def __call__(self, done: float, total: float) -> None:
        percent = round(100 * done / total) if total else 100
        if percent // 10 == self._shown:
            return
        self._shown = percent // 10
        line = both("speech.recognising", file=self.label, percent=percent, done=f"{done:.1f}",
                    total=f"{total:.1f}")
        typer.echo(f"\r{line}" if self.tty else line, err=True, nl=not self.tty)

    def finish(self) -> None:
        if self.tty:
            typer.echo("", err=True)
