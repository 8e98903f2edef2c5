"""Checking a recording before it reaches Vosk.

Vosk never complains about bad audio: header bytes, u-law, stereo or a wrong sample rate all
decode to confident nonsense. So the header is read first and only mono 16-bit PCM at a rate
the models accept goes through; everything else is refused with the reason.
"""

from __future__ import annotations

import struct
import wave
from dataclasses import dataclass
from pathlib import Path

from callcenter.speech.errors import BadAudio

# Telephone recordings are 8 kHz; wideband ones 16 kHz. Vosk's small models resample
# (allow-upsample), but other rates are more likely a mislabelled file than real audio.
ACCEPTED_RATES = (8000, 16000)

# Format tags Python's wave module names in its error ("unknown format: N").
_FORMAT_NAMES = {"3": "32-bit float", "6": "A-law", "7": "u-law", "49": "GSM 6.10 (Asterisk wav49)",
                 "65534": "WAVE_FORMAT_EXTENSIBLE (e.g. 24-bit or multichannel)"}


@dataclass(frozen=True)
class WavInfo:
    path: Path
    sample_rate: int
    frames: int

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate


def inspect_wav(path: Path) -> WavInfo:
    """Return the recording's rate and length, or raise BadAudio saying what is wrong."""
    if not path.exists():
        raise BadAudio(str(path), "recording not found")
    if path.stat().st_size == 0:
        raise BadAudio(str(path), "empty file")
    problem = chunk_problem(path)
    if problem:
        raise BadAudio(str(path), problem)
    try:
        with wave.open(str(path), "rb") as wav:
            channels, width = wav.getnchannels(), wav.getsampwidth()
            rate, frames = wav.getframerate(), wav.getnframes()
    except wave.Error as exc:
        raise BadAudio(str(path), _describe_wave_error(str(exc))) from None
    except EOFError:
        raise BadAudio(str(path), "truncated WAV header") from None
    except (RuntimeError, ValueError, OverflowError, struct.error) as exc:  # the wave module's own slips
        raise BadAudio(str(path), f"malformed WAV header ({type(exc).__name__} {exc})".strip()) from None
    if channels != 1:
        raise BadAudio(str(path), f"{channels} channels; mono expected (one file per side)")
    if width != 2:
        raise BadAudio(str(path), f"{8 * width}-bit samples; 16-bit PCM expected")
    if rate not in ACCEPTED_RATES:
        raise BadAudio(str(path), f"sample rate {rate} Hz; 8000 or 16000 Hz expected")
    if frames == 0:
        raise BadAudio(str(path), "no audio frames")
    return WavInfo(path=path, sample_rate=rate, frames=frames)


MAX_HEADER_CHUNK = 64 * 1024  # a fmt chunk is 16-40 bytes; LIST/INFO a few hundred


def chunk_problem(path: Path) -> str | None:
    """The RIFF chunks before the audio, checked by hand: Python's wave module raises a bare
    RuntimeError on a ``fmt `` chunk that claims gigabytes (a hostile or corrupt file)."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        if handle.read(12)[8:12] != b"WAVE":
            return None  # not RIFF/WAVE: the wave module says so in its own words
        position = 12
        while position + 8 <= size:
            header = handle.read(8)
            name, length = header[:4], struct.unpack("<I", header[4:8])[0]
            if name == b"data":
                return None
            if length > MAX_HEADER_CHUNK or position + 8 + length > size:
                shown = name.decode("latin-1")
                return (f"malformed WAV header: chunk {shown!r} claims {length} bytes "
                        f"(the file has {size}); not a recording MixMonitor wrote")
            position += 8 + length + (length & 1)
            handle.seek(position)
    return None


def _describe_wave_error(message: str) -> str:
    if message.startswith("unknown format:"):
        tag = message.split(":", 1)[1].strip()
        name = _FORMAT_NAMES.get(tag, f"format tag {tag}")
        return f"not 16-bit PCM ({name}); convert with `sox IN -r 8000 -c 1 -b 16 -e signed-integer OUT.wav`"
    if "RIFF" in message or "WAVE" in message:
        return f"not a WAV file ({message})"
    return f"unreadable WAV ({message})"
