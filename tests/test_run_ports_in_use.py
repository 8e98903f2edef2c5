"""A port the service must listen on is already taken: ``callcenter run`` says so in one line
naming the setting and what to do, exits non-zero, and shows no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port another program is listening on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield int(other.getsockname()[1])


def _run_with(tmp_path: Path, hotline_path: Path, **ports: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    env |= {"CALLCENTER_HOTLINE": str(hotline_path), "CALLCENTER_VAR_DIR": str(tmp_path / "var"),
            "CALLCENTER_AGI_PORT": "0", "CALLCENTER_WEB_PORT": "0", "CALLCENTER_LIVE_PORT": "0",
            "CALLCENTER_AGI_HOST": "127.0.0.1",
            "CALLCENTER_WEB_HOST": "127.0.0.1", **ports}
    return subprocess.run([str(Path(sys.executable).parent / "callcenter"), "run", "--duration", "30"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("setting", ["CALLCENTER_AGI_PORT", "CALLCENTER_WEB_PORT"])
def test_a_busy_port_is_named_in_one_line_without_a_traceback(setting: str, taken_port: int, tmp_path: Path,
                                                              hotline_path: Path) -> None:
    done = _run_with(tmp_path, hotline_path, **{setting: str(taken_port)})
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "Errno" not in done.stderr, done.stderr
    [line] = [line for line in done.stderr.splitlines() if setting in line]
    assert line.startswith("error: ") and f"127.0.0.1:{taken_port}" in line and "in use" in line
    assert "stopped" not in done.stdout or "running:" not in done.stdout  # it never claimed to be running
