"""Whether finished calls are reaching the database, for the wallboard, the console and any
other part that asks: how many records wait in the spool, since when, and why."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class HealthView:
    waiting: int = 0  # records not yet committed (in the spool or, if it cannot take them, in memory)
    database_ok: bool = True
    since: float | None = None  # epoch seconds: when the first record still waiting was taken
    spool_problem: str | None = None  # the spool is full or cannot be written
    rejected: int = 0  # records the database refused for good, kept in var/spool/rejected.jsonl
    messages_waiting: int = 0  # messages left for a callback (R12, R18) not yet in the database
    messages_since: float | None = None  # epoch seconds: when the oldest of them was left
    messages_undecided: int = 0  # stored messages whose callback is still not decided after a grace
    undecided_since: float | None = None  # epoch seconds: when the oldest of them was left

    @property
    def ok(self) -> bool:
        return (self.database_ok and self.waiting == 0 and self.spool_problem is None and self.rejected == 0
                and self.messages_waiting == 0 and self.messages_undecided == 0)

    def describe(self, timezone: str, lang: str = "zh") -> str | None:
        """One line for people (hotline local time), or None when all is well."""
        if self.ok:
            return None
        since = _clock(self.since, timezone)
        zh = lang != "en"
        parts = []
        if not self.database_ok:
            parts.append("数据库不可用" if zh else "database unavailable")
        if self.waiting:
            parts.append(f"{self.waiting} 条记录待写入" if zh
                         else f"{self.waiting} records waiting to be written")
        if since and (self.waiting or not self.database_ok):
            parts.append(f"自 {since} 起" if zh else f"since {since}")
        if self.messages_waiting:
            parts.append(f"{self.messages_waiting} 条留言待写入" if zh
                         else f"{self.messages_waiting} messages waiting to be written")
            if self.messages_since is not None:
                left = _clock(self.messages_since, timezone)
                parts.append(f"自 {left} 起" if zh else f"since {left}")
        if self.messages_undecided:
            parts.append(f"{self.messages_undecided} 条留言未安排回电" if zh
                         else f"{self.messages_undecided} messages without their callback")
            if self.undecided_since is not None:
                left = _clock(self.undecided_since, timezone)
                parts.append(f"自 {left} 起" if zh else f"since {left}")
        if self.spool_problem:
            parts.append("本地缓存已满或不可写" if zh else "local spool full or not writable")
        if self.rejected:
            parts.append(f"{self.rejected} 条记录被数据库拒收，已另存待查" if zh
                         else f"{self.rejected} records refused by the database, kept for repair")
        return ("，" if zh else ", ").join(parts)


def _clock(at: float | None, timezone: str) -> str:
    return "" if at is None else dt.datetime.fromtimestamp(at, ZoneInfo(timezone)).strftime("%H:%M")


class StoreHealth:
    """Written by the writer thread, read by anyone (a copy under a lock). ``on_change`` hears
    every change, on the writer's thread."""

    def __init__(self, on_change: Callable[[HealthView], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._view = HealthView()
        self.on_change = on_change

    def view(self) -> HealthView:
        with self._lock:
            return self._view

    def update(self, **changes: object) -> None:
        with self._lock:
            before = self._view
            self._view = view = replace(before, **changes)  # type: ignore[arg-type]
        if view != before and self.on_change is not None:
            self.on_change(view)

    def as_json(self, timezone: str) -> dict[str, object]:
        """What the wallboard shows: both languages, local times already rendered."""
        view = self.view()
        return {"ok": view.ok, "waiting": view.waiting, "database_ok": view.database_ok,
                "messages_waiting": view.messages_waiting, "messages_undecided": view.messages_undecided,
                "zh": view.describe(timezone, "zh"), "en": view.describe(timezone, "en")}
