"""Login throttling per 工号 and per client address (OWASP: growing delays, then a lock).

After ``login_failures_before_delay`` wrong passwords, each further try must wait 1 s, 2 s, 4 s …
(capped at the lock time); after ``login_lock_after_failures`` the key is locked for
``login_lock_minutes``. Attempts that come too early are refused without checking the password.
A success clears the 工号's count, never the address's (one valid account must not reset the
count of a password-guessing address). Memory is bounded: forgotten after the lock time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from callcenter.hotline import WebSettings

MAX_KEYS = 50_000


@dataclass
class _Record:
    failures: int
    last_failure: float
    next_try: float


@dataclass(frozen=True)
class Verdict:
    wait_seconds: float
    locked: bool  # the long lock, not a short delay


class LoginThrottle:
    def __init__(self, settings: WebSettings, now: Callable[[], float]) -> None:
        self.settings = settings
        self.now = now
        self._records: dict[str, _Record] = {}

    @staticmethod
    def keys(user_id: str, address: str) -> tuple[str, str]:
        return f"id:{user_id.strip()[:32]}", f"ip:{address}"

    def verdict(self, keys: Iterable[str]) -> Verdict:
        now = self.now()
        waits = [(r.next_try - now, r.failures >= self.settings.login_lock_after_failures)
                 for r in (self._records.get(k) for k in keys) if r is not None and r.next_try > now]
        if not waits:
            return Verdict(0.0, False)
        wait, locked = max(waits)
        return Verdict(wait, locked)

    def failed(self, keys: Iterable[str]) -> bool:
        """Count a failure; True when it starts a lock."""
        now = self.now()
        self._forget_old(now)
        locked = False
        for key in keys:
            record = self._records.setdefault(key, _Record(0, now, now))
            if now - record.last_failure > self.settings.login_lock_minutes * 60.0:
                record.failures = 0  # an old run of mistakes is forgiven
            record.failures += 1
            record.last_failure = now
            delay = self._delay(record.failures)
            record.next_try = now + delay
            locked = locked or record.failures == self.settings.login_lock_after_failures
        return locked

    def succeeded(self, account_key: str) -> None:
        self._records.pop(account_key, None)

    def _delay(self, failures: int) -> float:
        lock = self.settings.login_lock_minutes * 60.0
        if failures >= self.settings.login_lock_after_failures:
            return lock
        over = failures - self.settings.login_failures_before_delay
        return 0.0 if over < 0 else min(float(2 ** over), lock)

    def _forget_old(self, now: float) -> None:
        keep = self.settings.login_lock_minutes * 60.0
        if len(self._records) < MAX_KEYS:
            return
        for key in [k for k, r in self._records.items() if now - r.last_failure > keep and r.next_try <= now]:
            del self._records[key]
        if len(self._records) >= MAX_KEYS:  # still full: drop the oldest failures first
            for key in sorted(self._records, key=lambda k: self._records[k].last_failure)[: MAX_KEYS // 10]:
                del self._records[key]
