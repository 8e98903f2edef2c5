"""Live alerts from what the recogniser heard so far (issue 17): the caller naming an emergency
(R19, the tickets area's rules plus the centre's own alert words) and the agent saying a forbidden
phrase (R16, the quality check's phrases). Each is raised once per call, on the first partial or
final result that carries it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from callcenter.tickets.extract.urgent import kinds_in
from callcenter.tickets.forbidden import forbidden_hits
from callcenter.tickets.transcript import Turn, join_words
from callcenter.words.alerts import danger_name

Side = Literal["caller", "agent"]



@dataclass(frozen=True)
class Spotted:
    kind: Literal["emergency", "forbidden"]
    label: str  # the danger's name, the centre's word, or the forbidden phrase's normal form
    words: str  # what was heard (the side's words so far in this utterance)


@dataclass
class Spotter:
    """One call's spotting: remembers what it already raised."""

    alert_words: tuple[str, ...] = ()
    raised: set[tuple[str, str]] = field(default_factory=set)

    def spot(self, side: Side, heard: str) -> list[Spotted]:
        joined = join_words(heard)
        found: list[Spotted] = []
        if side == "caller":
            labels = [danger_name(kind, "zh") for kind in kinds_in(joined)]
            labels += [word for word in self.alert_words if word in joined]
            found = [Spotted("emergency", label, heard) for label in labels]
        else:
            hits = forbidden_hits([Turn("agent", heard)])
            found = [Spotted("forbidden", hit.phrase, heard) for hit in hits]
        fresh = [s for s in found if (s.kind, s.label) not in self.raised]
        self.raised.update((s.kind, s.label) for s in fresh)
        return fresh
