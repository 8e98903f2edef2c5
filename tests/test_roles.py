"""``callcenter run --role …`` runs one part of the service (issue 16): the parts run apart
need PostgreSQL and say so in one line on SQLite; an unknown role is named; no role at all is
the all-in-one service as before."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from callcenter.roles import components_for, inbound_for
from callcenter.service import COMPONENTS


def _run(tmp_path: Path, hotline_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    env |= {"CALLCENTER_HOTLINE": str(hotline_path), "CALLCENTER_VAR_DIR": str(tmp_path / "var")}
    return subprocess.run([str(Path(sys.executable).parent / "callcenter"), "run", "--duration", "1", *args],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("role", ["tracker", "web", "worker", "scheduler"])
def test_a_part_run_apart_refuses_sqlite_in_one_line(role: str, tmp_path: Path, hotline_path: Path) -> None:
    done = _run(tmp_path, hotline_path, "--role", role)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert "CALLCENTER_DATABASE_URL" in line and "PostgreSQL" in line and f"--role {role}" in line
    assert not (tmp_path / "var" / "callcenter.db").exists()  # refused before anything was made


def test_an_unknown_role_is_named_with_the_roles_there_are(tmp_path: Path, hotline_path: Path) -> None:
    done = _run(tmp_path, hotline_path, "--role", "dialer")
    assert done.returncode == 2, done.stdout + done.stderr
    [line] = done.stderr.strip().splitlines()
    assert "'dialer'" in line and "tracker, web, worker, scheduler" in line


def test_no_role_or_every_role_is_the_all_in_one_service_without_the_relay() -> None:
    assert components_for([]) == COMPONENTS
    assert components_for(["web", "tracker", "worker", "scheduler"]) == COMPONENTS


def test_each_part_starts_its_own_components_after_the_relay() -> None:
    # every process ends with its own /metrics, /healthz and /readyz (observability)
    assert components_for(["tracker"]) == [
        "callcenter.relay.component:build", "callcenter.pbxsim.component:build",
        "callcenter.calls.component:build", "callcenter.ivr.component:build",
        "callcenter.speech.component:build_intake", "callcenter.speech.serving:build",
        "callcenter.live.component:build", "callcenter.callbacks.placing:build",
        "callcenter.agents.phone_requests:build", "callcenter.observability.component:build"]
    assert components_for(["worker", "scheduler"]) == [
        "callcenter.relay.component:build", "callcenter.speech.component:build_worker",
        "callcenter.tickets.component:build", "callcenter.callbacks.component:build",
        "callcenter.observability.component:build"]
    # A web front end takes every live call message and the live words; a worker the news that jobs
    # are queued, and a call's live emergency with the stored call it joins (issue 17).
    assert {k.__name__ for k in inbound_for(["worker"])} == {"TranscriptionQueued", "LiveEmergency",
                                                             "CallStored"}
    assert {"CallStarted", "CallEnded", "LiveSnapshot", "LiveWords", "LiveStatus", "LivePrefill"} <= {
        k.__name__ for k in inbound_for(["web"])}
