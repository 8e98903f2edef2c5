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

    @property
    def ok(self) -> bool:
        return self.database_ok and self.waiting == 0 and self.spool_problem is None and self.rejected == 0

    def describe(self, timezone: str, lang: str = "zh") -> str | None:
        """One line for people (hotline local time), or None when all is well."""
        if self.ok:
            return None
        since = ("" if self.since is None
                 else dt.datetime.fromtimestamp(self.since, ZoneInfo(timezone)).strftime("%H:%M"))
        zh = lang != "en"
        parts = []
        if not self.database_ok:
            parts.append("数据库不可用" if zh else "database unavailable")
        if self.waiting:
            parts.append(f"{self.waiting} 条记录待写入" if zh
                         else f"{self.waiting} records waiting to be written")
        if since and (self.waiting or not self.database_ok):
            parts.append(f"自 {since} 起" if zh else f"since {since}")
        if self.spool_problem:
            parts.append("本地缓存已满或不可写" if zh else "local spool full or not writable")
        if self.rejected:
            parts.append(f"{self.rejected} 条记录被数据库拒收，已另存待查" if zh
                         else f"{self.rejected} records refused by the database, kept for repair")
        return ("，" if zh else ", ").join(parts)


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
                "zh": view.describe(timezone, "zh"), "en": view.describe(timezone, "en")}
