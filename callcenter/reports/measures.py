"""What each report figure counts, defined once as SQL conditions on the ``calls`` table.

The aggregate query, the drill-down to the calls behind a figure and the labels shown in the
CLI, the pages and the exports all come from here, so they cannot disagree.

Definitions (R1, R2, R10, R11):

* offered — inbound calls that started in the period.
* abandon wait — ``wait_seconds`` (queue entry to hang-up), or ``ring_seconds`` for a call that
  never reached a queue; 0 when neither is known.
* short abandon — abandoned with an abandon wait under ``rules.short_abandon_seconds``: reported
  apart and left out of every rate (a misdial, not a lost customer).
* abandoned — every other abandoned call.
* within three rings — answered with the tracker's ``within_rule`` (caller's ring time across
  roll-overs < rule rings × ring cycle, R1).
* late — answered after the third ring; split by whether the apology greeting was played (R2).
* rings heard — of answered calls: 1, 2, 3, 4, 5, 6 or more.
* speed of answer — two measures, both of answered calls: *ring time* (the caller's wait
  from the PBX calling the first agent to a phone answering, R1) and *wait time* (queue entry
  to answer). p90 is the nearest-rank 90th percentile in whole seconds (the smallest whole second
  within which 90 % were answered; see ``partials.py``).
* longest wait — the largest wait (or ring time, when no queue) of any offered call.
* agent hung up first — answered calls the agent side ended (R10).
* long hold — calls with a hold longer than ``rules.long_hold_seconds`` (R11).
* ring-no-answer — agent legs that rang out (R13), counted per agent from ``call_legs``.
* service level (abandons excluded) — within three rings ÷ (counted offered − abandoned).
* service level (abandons in window met) — (within three rings + abandoned with an abandon wait
  inside the three-ring window) ÷ counted offered.
* 15秒接通率 — answered with wait (or ring time, when no queue) ≤ 15 s ÷ counted offered.
* counted offered = offered − short abandons.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, and_, func, not_, or_

from callcenter import rules
from callcenter.db.models.calls import Call
from callcenter.hotline import RuleSettings
from callcenter.words.enums import word

Kind = Literal["count", "seconds", "percent", "text"]


@dataclass(frozen=True)
class Thresholds:
    window_seconds: float = rules.rule_window_seconds()
    short_abandon_seconds: float = rules.SHORT_ABANDON_SECONDS
    long_hold_seconds: float = rules.LONG_HOLD_SECONDS
    fifteen_seconds: float = rules.FIFTEEN_SECOND_WINDOW

    @classmethod
    def from_rules(cls, settings: RuleSettings) -> Thresholds:
        return cls(settings.window_seconds, settings.short_abandon_seconds, settings.long_hold_seconds)


def abandon_wait() -> ColumnElement[float]:
    return func.coalesce(Call.wait_seconds, Call.ring_seconds, 0.0)


def answer_wait() -> ColumnElement[float]:
    return func.coalesce(Call.wait_seconds, Call.ring_seconds)


Condition = Callable[[Thresholds], ColumnElement[bool]]


def _late(t: Thresholds) -> ColumnElement[bool]:
    return and_(Call.answered.is_(True), Call.within_rule.is_(False))


def _rings(n: int) -> Condition:
    if n >= 6:
        return lambda t: and_(Call.answered.is_(True), Call.rings >= 6)
    return lambda t: and_(Call.answered.is_(True), Call.rings == n)


# name -> condition on a call; the drill-down accepts exactly these names.
CONDITIONS: dict[str, Condition] = {
    "offered": lambda t: Call.direction == "inbound",
    "answered": lambda t: Call.answered.is_(True),
    "abandoned": lambda t: and_(Call.abandoned.is_(True), abandon_wait() >= t.short_abandon_seconds),
    "short_abandoned": lambda t: and_(Call.abandoned.is_(True), abandon_wait() < t.short_abandon_seconds),
    "within_rule": lambda t: and_(Call.answered.is_(True), Call.within_rule.is_(True)),
    "late": _late,
    "late_apology": lambda t: and_(_late(t), Call.greeting == "apology"),
    "late_no_apology": lambda t: and_(_late(t), or_(Call.greeting.is_(None), Call.greeting != "apology")),
    "agent_hangup_first": lambda t: and_(Call.answered.is_(True), Call.hangup_first == "agent"),
    "long_hold": lambda t: Call.longest_hold_seconds > t.long_hold_seconds,
    "transferred": lambda t: Call.transfers > 0,
    "abandoned_in_window": lambda t: and_(Call.abandoned.is_(True), abandon_wait() >= t.short_abandon_seconds,
                                          abandon_wait() < t.window_seconds),
    "answered_15s": lambda t: and_(Call.answered.is_(True), answer_wait() <= t.fifteen_seconds),
    **{f"rings_{n}": _rings(n) for n in range(1, 7)},
}
# Not a condition on the call itself: legs that rang out (call_legs), see answer_times.
LEG_FIGURE = "ring_no_answer"


def condition(name: str, thresholds: Thresholds) -> ColumnElement[bool]:
    if name == "all":
        return not_(Call.id.is_(None))
    return CONDITIONS[name](thresholds)


@dataclass(frozen=True)
class Figure:
    name: str
    kind: Kind
    drill: str | None = None  # condition name for the calls behind the figure

    def label(self, lang: str) -> str:
        """The figure's name in the catalogues (``figure.<name>``)."""
        return word(lang, "figure", self.name)


def _counts(*names: str) -> tuple[Figure, ...]:
    """Counts whose calls behind them are the condition of the same name."""
    return tuple(Figure(name, "count", name) for name in names)


def _plain(kind: Kind, *names: str) -> tuple[Figure, ...]:
    return tuple(Figure(name, kind) for name in names)


FIGURES: tuple[Figure, ...] = (
    *_counts("offered", "answered", "abandoned", "short_abandoned", "within_rule"),
    Figure("within_rule_pct", "percent"),
    *_counts(*(f"rings_{n}" for n in range(1, 7))),
    *_plain("seconds", "avg_ring", "p90_ring", "avg_wait", "p90_wait", "longest_wait", "avg_abandon_wait"),
    *_counts("late", "late_apology", "late_no_apology"),
    Figure("ring_no_answer", "count", LEG_FIGURE),
    *_counts("agent_hangup_first", "long_hold"),
    Figure("transfers", "count", "transferred"),
    Figure("talk_seconds", "seconds"),
    *_plain("percent", "service_level_excl", "service_level_incl", "answered_15s_pct"),
)
FIGURE_BY_NAME = {f.name: f for f in FIGURES}
DRILLABLE = {f.drill for f in FIGURES if f.drill} | {"all"}
