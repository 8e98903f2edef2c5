"""What pbxsim knows about each call it ran: what the caller heard, who answered, who hung up.
Tests compare this (the intended outcome) with the tracker's records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class CallLog:
    linkedid: str
    caller: str
    started_at: float
    heard: list[str] = field(default_factory=list)  # prompts in the order the caller heard them
    # (interface, "answered"|"no_answer"|"cancelled")
    attempts: list[tuple[str, str]] = field(default_factory=list)
    queue: str | None = None
    answered_by: str | None = None
    answered_at: float | None = None
    queue_joined_at: float | None = None
    ring_started_at: float | None = None
    abandoned: bool = False
    hangup_first: str | None = None  # "caller" | "agent" | "system"
    ended_at: float | None = None
    recordings: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    transfers: list[tuple[str, str]] = field(default_factory=list)  # ("redirect"|"transfer", "context,exten")
    script: tuple[Any, ...] = ()  # recordings.Utterance lines the scenario gave this call

    @property
    def ring_seconds(self) -> float | None:
        if self.ring_started_at is None:
            return None
        end = self.answered_at if self.answered_at is not None else self.ended_at
        return None if end is None else end - self.ring_started_at

    def as_dict(self) -> dict[str, object]:
        return {
            "linkedid": self.linkedid, "caller": self.caller, "heard": list(self.heard),
            "attempts": [list(a) for a in self.attempts], "queue": self.queue,
            "answered_by": self.answered_by, "abandoned": self.abandoned,
            "ring_seconds": self.ring_seconds, "hangup_first": self.hangup_first,
            "recordings": list(self.recordings), "transfers": [list(t) for t in self.transfers],
        }
