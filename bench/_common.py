"""What several benchmarks share: where results go, percentiles, and an SSE client thread that
logs in and stamps the arrival of one kind of event (as a browser would, outside the service's
event loop)."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("results")


def write_result(name: str, result: dict[str, Any]) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")


def sync_login(http: httpx.Client, user: str, password: str) -> None:
    """Log in as a browser does: the login form's CSRF token posted with the password."""
    page = http.get("/login").text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    token = found.group(1) if found else ""
    http.post("/login", data={"user_id": user, "password": password, "csrf_token": token})


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class SseClient(threading.Thread):
    """Reads ``path`` after logging in; ``ready`` is set at the first ``ready_kind`` event, and
    every ``stamped_kind`` event goes to ``stamp`` with its data."""

    path = ""
    ready_kind = ""
    stamped_kind = ""

    def __init__(self, base: str, user: str, password: str) -> None:
        super().__init__(daemon=True)
        self.base, self.user, self.password = base, user, password
        self.arrivals: dict[Any, float] = {}
        self.ready = threading.Event()
        self.stop = threading.Event()

    def stamp(self, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as http:
            sync_login(http, self.user, self.password)
            with http.stream("GET", self.path) as response:
                kind = None
                for line in response.iter_lines():
                    if line.startswith("event:"):
                        kind = line[6:].strip()
                        if kind == self.ready_kind:
                            self.ready.set()
                    elif line.startswith("data:") and kind == self.stamped_kind:
                        self.stamp(json.loads(line[5:]))
                    if self.stop.is_set():
                        return
