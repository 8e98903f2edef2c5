"""The password worker (issue 12, item 3: scrypt kept off the event loop): one process at a
low CPU priority that the web component starts and stops, replaced when it dies, and gone
with the service even when the service is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from callcenter.web import scrypt
from callcenter.web.password_worker import WORKER
from tests.browser.webapp import AGENT, password
from tests.support.csrf import post_login
from tests.support.web import running_web

ROOT = Path(__file__).resolve().parents[1]


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for a parent that does not reap (a container's init may not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def wait_gone(pid: int, within: float = 30.0) -> bool:
    deadline = time.monotonic() + within
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)


def test_the_worker_runs_at_a_lower_cpu_priority_than_the_service_so_call_tracking_goes_first() -> None:
    pid = WORKER.start()
    assert pid != os.getpid() and alive(pid)
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, pid) == min(19, ours + scrypt.WORKER_NICE) > ours


async def test_the_web_component_starts_the_worker_and_stops_it(tmp_path: Path) -> None:
    WORKER.stop()  # whatever an earlier test left running
    async with running_web(tmp_path) as web:
        pid = WORKER.start()  # the one the component started: no second one
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{web.port}") as http:
            assert (await post_login(http, AGENT, password(AGENT))).status_code == 303
        assert WORKER.start() == pid
    assert not alive(pid)  # stopped and reaped with the component


async def test_a_worker_that_died_answers_busy_once_then_a_fresh_one_checks(tmp_path: Path) -> None:
    async with running_web(tmp_path) as web:
        pid = WORKER.start()
        os.kill(pid, signal.SIGKILL)
        assert wait_gone(pid)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{web.port}") as http:
            assert (await post_login(http, AGENT, password(AGENT))).status_code == 503
            assert (await post_login(http, AGENT, password(AGENT))).status_code == 303
        assert WORKER.start() != pid


def test_a_service_killed_with_sigkill_leaves_no_worker_behind() -> None:
    script = ("import sys, time\nfrom callcenter.web.password_worker import WORKER\n"
              "print(WORKER.start(), flush=True)\ntime.sleep(600)\n")
    service = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert service.stdout is not None
        worker = int(service.stdout.readline())
        assert alive(worker)
    finally:
        service.kill()
        service.wait()
    assert wait_gone(worker)


@pytest.fixture(autouse=True, scope="module")
def no_worker_left() -> Iterator[None]:
    yield
    WORKER.stop()
