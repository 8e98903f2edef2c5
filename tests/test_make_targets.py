"""The two commands of a fresh clone: ``make run`` installs only what running needs (the test
extra stays out) and passes the demo's options through; ``make test`` and ``make lint`` set up
the test extra themselves. Checked with ``make -n`` on a copy without a virtualenv."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def _plan(tmp_path: Path, *args: str) -> list[str]:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    done = subprocess.run(["make", "-n", "-C", str(tmp_path), *args], capture_output=True, text=True,
                          check=True, timeout=60)
    return done.stdout.splitlines()


def test_make_run_installs_the_package_without_the_test_extra_and_reaches_the_demo_options(
        tmp_path: Path) -> None:
    plan = _plan(tmp_path, "run", "SPEED=60", "CALLS_PER_HOUR=600")
    installs = [line for line in plan if "pip install" in line and "--upgrade pip" not in line]
    assert installs == [".venv/bin/pip install --quiet -e ."]
    assert ".venv/bin/callcenter run --speed 60 --calls-per-hour 600" in plan


@pytest.mark.parametrize("target", ["test", "lint"])
def test_make_test_and_lint_install_the_test_extra_from_a_fresh_clone(target: str, tmp_path: Path) -> None:
    plan = _plan(tmp_path, target)
    assert ".venv/bin/pip install --quiet -e '.[test]'" in plan
    assert any(line.startswith("python3 -m venv .venv") for line in plan)
