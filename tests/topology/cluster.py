"""The service's parts as separate processes on loopback (issue 16): ``callcenter run --role …``
each with its own state directory, against one PostgreSQL database. Each process names itself
to PostgreSQL (``application_name``), so a test can see who holds the scheduler's lock."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import text

from callcenter.db.session import make_engine
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
CALLCENTER = str(Path(sys.executable).parent / "callcenter")
SUPERVISOR = "900"
PASSWORD = "topology-pass-900"
T = TypeVar("T")


def around_the_clock(directory: Path) -> Path:
    """hotline.example.toml open day and night (R18's after-hours path would take every call)."""
    text = (ROOT / "hotline.example.toml").read_text(encoding="utf-8")
    text = text.replace("open = 08:00:00", "open = 00:00:00").replace("close = 20:00:00", "close = 23:59:59")
    text = text.replace("calling_hours_start = 08:00:00", "calling_hours_start = 00:00:00")
    text = text.replace("calling_hours_end = 21:00:00", "calling_hours_end = 23:59:59")
    path = directory / "hotline.toml"
    path.write_text(text, encoding="utf-8")
    return path



def with_application_name(url: str, name: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}application_name={name}"


@dataclass
class Part:
    name: str
    roles: tuple[str, ...]
    proc: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str]
    web_port: int | None = None

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """SIGKILL to the part and everything it started (its own session, e.g. decoding processes)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.proc.poll() is None or self.proc.returncode < 0:
            return
        with contextlib.suppress(ProcessLookupError):  # what the part started and left goes too
            os.killpg(self.proc.pid, signal.SIGKILL)


@dataclass
class Cluster:
    database_url: str
    base: Path
    hotline: Path = ROOT / "hotline.example.toml"
    extra_env: dict[str, str] = field(default_factory=dict)
    parts: dict[str, Part] = field(default_factory=dict)

    def env(self, name: str, **over: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
        env |= {"CALLCENTER_HOTLINE": str(self.hotline),
                "CALLCENTER_DATABASE_URL": with_application_name(self.database_url, name),
                "CALLCENTER_VAR_DIR": str(self.base / name / "var"),
                "CALLCENTER_AGI_PORT": "0", "CALLCENTER_WEB_PORT": "0", "CALLCENTER_LIVE_PORT": "0",
                f"CALLCENTER_WEB_PASSWORD_{SUPERVISOR}": PASSWORD, **self.extra_env, **over}
        return env

    def start(self, name: str, roles: tuple[str, ...], *args: str, **env: str) -> Part:
        directory = self.base / name
        directory.mkdir(parents=True, exist_ok=True)
        web_port = free_port() if "web" in roles else None
        if web_port is not None:
            env["CALLCENTER_WEB_PORT"] = str(web_port)
        full = self.env(name, **env)
        command = [CALLCENTER, "run", *(a for r in roles for a in ("--role", r)), *args]
        log = directory / "output.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(command, cwd=directory, env=full, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        part = Part(name, roles, proc, log, full, web_port)
        self.parts[name] = part
        return part

    def wait_running(self, part: Part, timeout: float = 180) -> None:
        """Until the part has said which components run (or it died, with its output)."""
        wait_for(lambda: "running:" in part.output() or part.proc.poll() is not None, timeout,
                 f"{part.name} to start")
        assert part.proc.poll() is None, f"{part.name} stopped:\n{part.output()[-3000:]}"

    def relay_listening(self, name: str) -> bool:
        """Whether the part named ``name`` has its relay LISTENing (NOTIFY reaches only who listens)."""
        engine = make_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return bool(conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE application_name "
                                              "= :name AND query ILIKE 'LISTEN%'"), {"name": name}).scalar())
        finally:
            engine.dispose()

    def start_listening(self, name: str, roles: tuple[str, ...], *args: str, **env: str) -> Part:
        """A part started, running, and its relay listening."""
        part = self.start(name, roles, *args, **env)
        self.wait_running(part)
        wait_for(lambda: self.relay_listening(name), 60, f"{name}'s relay to listen")
        return part

    def stop_all(self) -> None:
        """SIGTERM to every part at once, then each waited for (and killed if it hangs)."""
        parts = list(reversed(self.parts.values()))
        for part in parts:
            if part.proc.poll() is None:
                part.proc.send_signal(signal.SIGTERM)
        for part in parts:
            part.stop()


def wait_for(check: Callable[[], T], timeout: float, what: str, every: float = 0.1,
             detail: Callable[[], object] | None = None) -> T:
    """Poll ``check`` until it returns something true; a bound against hanging, not a speed target.
    ``detail`` says what was there instead when it gives up."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what} after {timeout:g} s"
                                 + (f": {detail()}" if detail is not None else ""))
        time.sleep(every)


def scenario_toml(calls: list[dict[str, Any]], name: str) -> str:
    """A pbxsim hotline scenario (pbxsim/scenario.py) from plain dicts."""
    lines = [f'name = "{name}"', 'flow = "hotline"', ""]
    for call in calls:
        lines.append("[[calls]]")
        for key, value in call.items():
            lines.append(f"{key} = {_toml(value)}")
        lines.append("")
    return "\n".join(lines)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(type(value))
