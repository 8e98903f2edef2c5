"""The console of ``callcenter run`` and of every command stays quiet: one status line every few
seconds with the figures that matter, a missing speech model is one warning naming the command
that fixes it, and third-party INFO lines (APScheduler, Alembic, uvicorn) show only with --verbose."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CALLCENTER = str(Path(sys.executable).parent / "callcenter")


def _env(tmp_path: Path, hotline_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_") and k != "ASR_MODEL_PATH"}
    return env | {"CALLCENTER_HOTLINE": str(hotline_path), "CALLCENTER_VAR_DIR": str(tmp_path / "var"),
                  "CALLCENTER_AGI_PORT": "0", "CALLCENTER_WEB_PORT": "0", "CALLCENTER_LIVE_PORT": "0",
                  "CALLCENTER_AGI_HOST": "127.0.0.1",
                  "CALLCENTER_WEB_HOST": "127.0.0.1", "CALLCENTER_ASR_MODEL": "vosk-model-small-cn-0.22"}


def _run(args: list[str], tmp_path: Path, hotline_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CALLCENTER, *args], cwd=tmp_path, env=_env(tmp_path, hotline_path),
                          capture_output=True, text=True, timeout=180, check=False)


def test_the_demo_console_shows_status_lines_and_one_warning_for_the_missing_model(
        tmp_path: Path, hotline_path: Path) -> None:
    demo = ["run", "--duration", "12", "--speed", "60", "--calls-per-hour", "600"]
    done = _run(demo, tmp_path, hotline_path)
    assert done.returncode == 0, done.stderr
    status = [line for line in done.stdout.splitlines() if line.startswith("calls/min")]
    assert len(status) >= 2
    assert all("waiting" in line and "agents free" in line and "answered within three rings" in line
               for line in status)
    log = done.stderr.splitlines()
    [model] = [line for line in log if "speech model unavailable" in line]
    assert " WARNING " in model and "callcenter models download vosk-model-small-cn-0.22" in model
    assert not [line for line in log if " ERROR " in line], done.stderr
    assert not [line for line in log if " INFO apscheduler" in line or " INFO alembic" in line
                or " INFO uvicorn" in line], done.stderr
    assert not [line for line in log if "-> queue" in line]  # each call's route only with --verbose


@pytest.mark.parametrize("verbose", [False, True])
def test_a_command_prints_alembic_info_only_with_verbose(verbose: bool, tmp_path: Path,
                                                         hotline_path: Path) -> None:
    done = _run([*(["--verbose"] if verbose else []), "callbacks", "list"], tmp_path, hotline_path)
    assert done.returncode == 0, done.stderr
    assert ("INFO alembic" in done.stderr) is verbose, done.stderr
