"""How long a prompt plays: the length of its WAV file, found where Asterisk looks for it
(``<astdatadir>/sounds/<name>.wav``; the service's own prompts are installed there from
CALLCENTER_SOUNDS_DIR), else the configured or default length when there is no such file."""

from __future__ import annotations

import wave
from functools import lru_cache
from pathlib import Path


def prompt_file(data_dir: str, sounds: dict[str, str], name: str) -> Path:
    """``callcenter/zh/greeting`` -> the folder installed for the ``callcenter`` prefix, else
    ``<data_dir>/sounds/callcenter/zh/greeting.wav``."""
    for prefix, folder in sounds.items():
        if name.startswith(f"{prefix}/"):
            return Path(folder) / f"{name[len(prefix) + 1:]}.wav"
    return Path(data_dir) / "sounds" / f"{name}.wav"


def wav_seconds(path: Path) -> float | None:
    """The file's length in seconds; None when there is no readable WAV file."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    return _length(str(path), stamp)


@lru_cache(maxsize=512)
def _length(path: str, _stamp: int) -> float | None:  # the stamp: a rebuilt prompt is read again
    try:
        with wave.open(path, "rb") as handle:
            rate = handle.getframerate()
            return handle.getnframes() / rate if rate else None
    except (OSError, EOFError, wave.Error):
        return None
