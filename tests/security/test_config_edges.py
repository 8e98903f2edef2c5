"""Configuration and start-up failures answer in one line naming the file, key or setting and what
to do, never a traceback; values that would silently break promises are refused; the database
file and var/ are private. The CLI runs as a real subprocess, as an operator would run it."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from callcenter.db.session import make_engine
from callcenter.errors import ConfigError
from callcenter.hotline import load_hotline

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = (ROOT / "hotline.example.toml").read_text(encoding="utf-8")


def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    full |= {"CALLCENTER_HOTLINE": str(ROOT / "hotline.example.toml"), **env}
    return subprocess.run([sys.executable, "-c", "from callcenter.cli import main; main()", *args],
                          capture_output=True, text=True, env=full, timeout=120, check=False)


def one_line(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """The refusal: exit status 2, no traceback, one 'error:' line holding every word."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert all(w in lines[0] for w in words), lines[0]
    return lines[0]


def hotline_with(tmp_path: Path, old: str, new: str, name: str = "hotline.toml") -> Path:
    assert old in EXAMPLE
    path = tmp_path / name
    path.write_text(EXAMPLE.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_directory_as_the_hotline_file(tmp_path: Path) -> None:
    one_line(cli("report", "answer-times", CALLCENTER_HOTLINE=str(tmp_path)), str(tmp_path), "is a directory",
             "CALLCENTER_HOTLINE")


@pytest.mark.parametrize(("encoding", "words"), [("latin-1", "not UTF-8"), ("gbk", "not UTF-8"),
                                                 ("utf-16", "is UTF-16")])
def test_a_hotline_file_not_in_utf8_is_named(tmp_path: Path, encoding: str, words: str) -> None:
    path = tmp_path / f"hotline-{encoding}.toml"
    text_ = EXAMPLE.replace("深科物业服务中心", "Café" if encoding == "latin-1" else "深科物业服务中心")
    path.write_bytes(text_.encode(encoding, errors="replace"))
    one_line(cli("report", "answer-times", CALLCENTER_HOTLINE=str(path)), str(path), words,
             "save it as UTF-8")


def test_a_utf8_bom_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + EXAMPLE.encode())
    assert load_hotline(path).centre.name == "深科物业服务中心"


@pytest.mark.parametrize("placeholder", ["{centre.__class__.__mro__}", "{centre[0]}", "{nope}", "{centre!r}",
                                         "{agent_id}", "{", "{0}"])
def test_prompt_placeholders_are_only_the_known_names(tmp_path: Path, placeholder: str) -> None:
    path = hotline_with(tmp_path, 'greeting = "您好，{centre}', f'greeting = "您好，{placeholder}')
    with pytest.raises(ConfigError, match=r"prompts.*greeting"):
        load_hotline(path)
    one_line(cli("sounds", "list", CALLCENTER_HOTLINE=str(path)), str(path), "greeting")


def test_literal_braces_and_the_agent_placeholder_still_work(tmp_path: Path) -> None:
    path = hotline_with(tmp_path, 'greeting = "您好，{centre}', 'greeting = "{{欢迎}}您好，{centre}')
    hotline = load_hotline(path)
    assert hotline.render(hotline.prompts.greeting).startswith("{欢迎}您好，深科物业服务中心")
    assert hotline.render(hotline.prompts.agent_answer, agent_id="一零一") == "工号一零一为您服务"


@pytest.mark.parametrize(("old", "new", "words"), [
    ('timezone = "Asia/Shanghai"', 'timezone = "Asia/Shanghia"', ("centre.timezone", "Asia/Shanghia")),
    ("days = [1, 2, 3, 4, 5, 6, 7]", "days = []", ("hours.days",)),
    ("calling_hours_end = 21:00:00", "calling_hours_end = 07:00:00", ("callbacks", "calling_hours_start")),
    ("inquiry_minutes = 30", "inquiry_minutes = -30", ("sla.inquiry_minutes",)),
    ("abandoned_minutes = 10", "abandoned_minutes = -1", ("callbacks.abandoned_minutes",)),
    ('on_duty_number = "13900000000"', 'on_duty_number = "139 0000 0000\\nAction: Hangup"',
     ("on_duty_number",)),
])
def test_settings_that_would_break_promises_are_refused_by_name(tmp_path: Path, old: str, new: str,
                                                               words: tuple[str, ...]) -> None:
    path = hotline_with(tmp_path, old, new)
    one_line(cli("report", "answer-times", CALLCENTER_HOTLINE=str(path)), str(path), *words)


def test_a_database_url_that_is_not_one(tmp_path: Path) -> None:
    one_line(cli("report", "answer-times", CALLCENTER_DATABASE_URL="mysqll://x/y"), "CALLCENTER_DATABASE_URL",
             "mysqll")
    refused = one_line(cli("report", "answer-times",
                           CALLCENTER_DATABASE_URL="postgresql+psycopg://cc:secret-pw@127.0.0.1:1/cc"),
                       "cannot use the database", "CALLCENTER_DATABASE_URL")
    assert "secret-pw" not in refused  # the password is never shown


def test_a_database_never_migrated_says_to_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    one_line(cli("report", "answer-times", CALLCENTER_DATABASE_URL=url), "callcenter db upgrade",
             str(tmp_path / "empty.db"))


def test_a_var_dir_that_cannot_be_written(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    one_line(cli("report", "answer-times", CALLCENTER_VAR_DIR=str(tmp_path / "a-file")), "CALLCENTER_VAR_DIR",
             "a-file")
    # sysfs refuses new directories even to root (where permission bits would not).
    one_line(cli("report", "answer-times", CALLCENTER_VAR_DIR="/sys/callcenter-var"), "CALLCENTER_VAR_DIR",
             "/sys/callcenter-var")


def test_the_database_file_is_0600_and_var_0700(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'callcenter.db'}")
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
        engine.dispose()
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "var").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "var" / "callcenter.db").stat().st_mode) == 0o600
