"""Audio for the SIP user agents: a steady tone in G.711 μ-law (PCMU), and how strongly a given
tone is heard in what a leg received (the Goertzel filter at that frequency).

A tone per party (caller, agent, supervisor) makes "who hears whom" a measurement: each leg's
received audio is searched for each party's frequency.
"""

from __future__ import annotations

import math
import struct

RATE = 8000
FRAME = 160  # 20 ms at 8 kHz
_BIAS, _CLIP = 0x84, 32635


def _decode(byte: int) -> int:
    u = ~byte & 0xFF
    sign, exponent, mantissa = u & 0x80, (u >> 4) & 0x07, u & 0x0F
    sample = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return -sample if sign else sample


ULAW_TO_LINEAR = tuple(_decode(b) for b in range(256))


def ulaw(sample: int) -> int:
    """One 16-bit linear sample as a μ-law byte (ITU-T G.711)."""
    sign = 0x80 if sample < 0 else 0
    magnitude = min(abs(sample), _CLIP) + _BIAS
    exponent, mask = 7, 0x4000
    while exponent > 0 and not magnitude & mask:
        exponent -= 1
        mask >>= 1
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


_ULAW_OF = bytes(ulaw(s - 65536 if s >= 32768 else s) for s in range(65536))  # by the sample's 16 bits


def to_ulaw(pcm: bytes) -> bytes:
    """8 kHz signed 16-bit little-endian PCM (espeak's speech) as PCMU."""
    samples = struct.unpack(f"<{len(pcm) // 2}H", pcm[: len(pcm) // 2 * 2])
    return bytes(_ULAW_OF[s] for s in samples)


class Tone:
    """A continuous sine, handed out one 20 ms PCMU frame at a time (phase carried over)."""

    def __init__(self, hz: float, amplitude: int = 8000) -> None:
        self.hz, self.amplitude = hz, amplitude
        self._n = 0

    def frame(self) -> bytes:
        step = 2 * math.pi * self.hz / RATE
        out = bytes(ulaw(int(self.amplitude * math.sin(step * (self._n + i)))) for i in range(FRAME))
        self._n += FRAME
        return out


def linear(payload: bytes) -> list[int]:
    return [ULAW_TO_LINEAR[b] for b in payload]


def tone_amplitude(samples: list[int], hz: float) -> float:
    """The amplitude of the ``hz`` component of ``samples`` (Goertzel; a pure sine of amplitude A
    gives about A, silence 0, another tone a few units at most)."""
    n = len(samples)
    if n == 0:
        return 0.0
    coefficient = 2 * math.cos(2 * math.pi * hz / RATE)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + coefficient * s1 - s2, s1
    power = s1 * s1 + s2 * s2 - coefficient * s1 * s2
    return 2 * math.sqrt(max(power, 0.0)) / n
