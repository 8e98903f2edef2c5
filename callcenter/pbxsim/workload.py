"""Workloads: calls generated from rates and distributions, deterministic for a seed.

Arrivals are a Poisson process (``calls_per_hour``); each caller presses a menu key drawn from
``menu_mix``; every agent's phone answers after a delay drawn from a log-normal distribution (median
``answer_median_seconds``) or, with ``no_answer_probability``, not at all; a caller abandons with
``abandon_probability`` after a patience drawn uniformly from ``patience_seconds``; every other
caller gives up too if nobody has answered within ``give_up_seconds`` (drawn uniformly; None: waits
for ever); talk times are exponential around ``talk_mean_seconds``; a call is put on hold with
``hold_probability``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from callcenter.pbxsim.scenario import CallPlan, Hold


@dataclass(frozen=True)
class Workload:
    calls_per_hour: float = 120.0
    menu_mix: dict[str, float] = field(default_factory=lambda: {"1": 0.4, "2": 0.15, "3": 0.15, "4": 0.2,
                                                                "0": 0.1})
    answer_median_seconds: float = 7.0
    answer_sigma: float = 0.5
    no_answer_probability: float = 0.1
    abandon_probability: float = 0.05
    patience_seconds: tuple[float, float] = (5.0, 40.0)
    give_up_seconds: tuple[float, float] | None = (60.0, 180.0)
    talk_mean_seconds: float = 90.0
    agent_hangs_up_first_probability: float = 0.05
    hold_probability: float = 0.15
    hold_seconds: tuple[float, float] = (5.0, 60.0)
    via: str = "pjsip"


def generate(workload: Workload, agents: list[str], seed: int,
             duration: float | None = None) -> Iterator[CallPlan]:
    """Calls in arrival order (simulated seconds from the start); endless when ``duration`` is None."""
    rng = random.Random(seed)
    keys, weights = list(workload.menu_mix), list(workload.menu_mix.values())
    at = 0.0
    index = 0
    while True:
        at += rng.expovariate(workload.calls_per_hour / 3600.0)
        if duration is not None and at > duration:
            return
        index += 1
        yield _call(workload, agents, rng, at, index, rng.choices(keys, weights)[0])


def _call(workload: Workload, agents: list[str], rng: random.Random, at: float, index: int,
          key: str) -> CallPlan:
    variables: dict[str, str] = {}
    talk = max(5.0, rng.expovariate(1.0 / workload.talk_mean_seconds))
    for agent in agents:
        if rng.random() < workload.no_answer_probability:
            variables[f"__RING_{agent}"] = "never"
        else:
            ring = rng.lognormvariate(0, workload.answer_sigma) * workload.answer_median_seconds
            variables[f"__RING_{agent}"] = f"{ring:.2f}"
        agent_first = rng.random() < workload.agent_hangs_up_first_probability
        agent_talk = talk * rng.uniform(0.5, 0.95) if agent_first else talk + 3600
        variables[f"__TALK_{agent}"] = f"{agent_talk:.1f}"
    variables["PBXSIM_TALK"] = f"{talk:.1f}"
    hangup_after = None
    if rng.random() < workload.abandon_probability:
        hangup_after = rng.uniform(*workload.patience_seconds) + 12.0  # greeting and menu come first
    holds: tuple[Hold, ...] = ()
    if rng.random() < workload.hold_probability:
        holds = (Hold(rng.uniform(30.0, 60.0), rng.uniform(*workload.hold_seconds)),)
    caller = f"13{rng.randrange(100000000, 999999999)}"
    give_up = None
    if workload.give_up_seconds is not None:
        # Its own generator: the calls drawn above stay what they were for a seed.
        give_up = random.Random(f"give-up:{index}:{at}").uniform(*workload.give_up_seconds)
    return CallPlan(at=at, caller=caller, via=workload.via, hangup_after=hangup_after, keys=key,
                    variables=variables, holds=holds, give_up_after=give_up)
