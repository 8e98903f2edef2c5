"""--log-format json / CALLCENTER_LOG_FORMAT=json: one JSON object per log line, phone numbers
masked as in the text log (R17); a bad value is named in one line."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

from callcenter.log_format import JsonFormatter

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "CALLCENTER_HOTLINE": str(ROOT / "hotline.example.toml"),
            "CALLCENTER_VAR_DIR": str(tmp_path / "var"),
            # the listener's secret alone: the settings warn that actions go through the listener user
            "CALLCENTER_AMI_HOST": "127.0.0.1", "CALLCENTER_AMI_SECRET": "s"}
    return subprocess.run([sys.executable, "-c", "from callcenter.cli import main; main()", *args],
                          env={**base, **env}, cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          check=False)


def test_json_log_lines_are_objects_with_the_message(tmp_path: Path) -> None:
    done = _run(["--log-format", "json", "db", "upgrade"], tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    warning = next(e for e in lines if "CALLCENTER_AMI_ACTION_SECRET is not set" in e["message"])
    assert warning["level"] == "WARNING" and warning["logger"] == "callcenter.config"
    assert warning["time"].endswith("+00:00")


def test_the_setting_chooses_json_too_and_a_bad_value_is_named(tmp_path: Path) -> None:
    done = _run(["db", "upgrade"], tmp_path, CALLCENTER_LOG_FORMAT="json")
    assert all(json.loads(line) for line in done.stderr.splitlines() if line.strip())
    bad = _run(["db", "upgrade"], tmp_path, CALLCENTER_LOG_FORMAT="xml")
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines()[-1] == (
        "error: configuration error: CALLCENTER_LOG_FORMAT: 'xml' is not a log format; choose text or json")


def test_phone_numbers_are_masked_in_json_lines_r17() -> None:
    record = logging.LogRecord("callcenter.ivr", logging.INFO, __file__, 1, "call %s from %s",
                               ("1733480000.123", "13812345678"), None)
    masked = json.loads(JsonFormatter(mask=True).format(record))["message"]
    assert "13812345678" not in masked and "1733480000.123" in masked
    assert "13812345678" in json.loads(JsonFormatter(mask=False).format(record))["message"]
