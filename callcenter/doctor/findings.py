"""One line per check: what was checked and either OK or the fix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    check: str  # short name: database, ami-login, ami-permissions, dialplan, fastagi, ...
    ok: bool
    detail: str  # on OK what was seen; otherwise what is wrong and what to do

    def line(self) -> str:
        return f"{'OK  ' if self.ok else 'FAIL'} {self.check}: {self.detail}"


def ok(check: str, detail: str) -> Finding:
    return Finding(check, True, detail)


def fail(check: str, detail: str) -> Finding:
    return Finding(check, False, detail)
