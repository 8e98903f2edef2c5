"""``callcenter run`` against the embedded PBX: scripted calls go through the real service (AMI
listener, tracker, FastAGI IVR, database); the records and what callers heard are checked (R1-R3)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]

SCENARIO = """
name = "run_test"
flow = "hotline"
[[calls]]
at = 0.5
via = "pjsip"
caller = "13800138000"
keys = "1"
variables = { __RING_8201 = "3", __RING_8202 = "3", __RING_8101 = "3", PBXSIM_TALK = "6" }
[[calls]]
at = 1.0
via = "pjsip"
caller = "13900139000"
keys = "1"
hangup_after = 9
variables = { __RING_8201 = "never", __RING_8202 = "never", __RING_8101 = "never" }
"""


@pytest.mark.slow
def test_callcenter_run_places_scripted_calls_and_stores_them(tmp_path: Path) -> None:
    hotline = (ROOT / "hotline.example.toml").read_text(encoding="utf-8")
    # Open around the clock, so the test does not depend on the hour it runs at (R18).
    (tmp_path / "hotline.toml").write_text(_without_hours(hotline), encoding="utf-8")
    (tmp_path / "scenario.toml").write_text(SCENARIO, encoding="utf-8")
    env = dict(os.environ, CALLCENTER_HOTLINE=str(tmp_path / "hotline.toml"),
               CALLCENTER_VAR_DIR=str(tmp_path / "var"),
               CALLCENTER_AGI_PORT="0", CALLCENTER_WEB_PORT="0", CALLCENTER_LIVE_PORT="0",
               CALLCENTER_DATABASE_URL=f"sqlite:///{tmp_path / 'cc.db'}")
    env.pop("CALLCENTER_AMI_HOST", None)
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "callcenter"), "run", "--scenario",
         str(tmp_path / "scenario.toml"),
         "--speed", "2", "--duration", "14", "--report", str(tmp_path / "report.json")],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = process.communicate(timeout=90)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(10)
    assert process.returncode == 0, output
    assert "running: pbxsim" in output and "stopped" in output
    logs = {c["caller"]: c for c in json.loads((tmp_path / "report.json").read_text())}
    answered, abandoned = logs["13800138000"], logs["13900139000"]
    assert answered["heard"][:2] == ["callcenter/zh/greeting", "callcenter/zh/menu"]  # R3: greeting first
    assert answered["answered_by"] and answered["answered_by"].startswith("PJSIP/8")
    assert any(p.startswith("callcenter/zh/agent_") for p in answered["heard"])  # R2/R3 agent greeting
    assert abandoned["abandoned"] and abandoned["answered_by"] is None
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'cc.db'}")
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("select caller, answered, abandoned from calls")).all()
    finally:
        engine.dispose()
    stored = {row[0]: (bool(row[1]), bool(row[2])) for row in rows}
    assert stored.get("13800138000") == (True, False), output[-3000:]
    assert stored.get("13900139000") == (False, True), output[-3000:]


def _without_hours(text: str) -> str:
    lines, skip = [], False
    for line in text.splitlines():
        if line.split("#")[0].strip() == "[hours]":
            skip = True
            lines.append('[hours]\nopen = 00:00:00\nclose = 23:59:59')
            continue
        if skip and line.startswith("["):
            skip = False
        if not skip:
            lines.append(line)
    return "\n".join(lines) + "\n"
