"""Ring arithmetic (R1, R2, R13): pure functions of the ring time and the hotline's ring cadence."""

from __future__ import annotations

import math
from dataclasses import dataclass

from callcenter import rules
from callcenter.calls.model import Greeting


@dataclass(frozen=True)
class RingRule:
    """The cadence and the allowance: Chinese ringback is 1 s on / 4 s off (5 s), three rings (R1)."""

    cycle_seconds: float = rules.RING_CYCLE_SECONDS
    rule_rings: int = rules.RULE_RINGS

    def __post_init__(self) -> None:
        if self.cycle_seconds <= 0:
            raise ValueError(f"ring cycle must be positive, got {self.cycle_seconds}")
        if self.rule_rings < 1:
            raise ValueError(f"rule rings must be at least 1, got {self.rule_rings}")

    @property
    def window_seconds(self) -> float:
        return self.cycle_seconds * self.rule_rings

    def rings(self, ring_seconds: float) -> int:
        """R1: the ring in progress after this long — floor(ring_s / cycle) + 1."""
        return math.floor(max(ring_seconds, 0.0) / self.cycle_seconds) + 1

    def within_rule(self, ring_seconds: float) -> bool:
        """R1: answered before the (rule_rings + 1)-th ring begins, i.e. ring_s < rings × cycle."""
        return ring_seconds < self.window_seconds

    def greeting(self, ring_seconds: float) -> Greeting:
        """R2: a late answer (ring time ≥ the window) opens with the apology."""
        return "standard" if self.within_rule(ring_seconds) else "apology"
