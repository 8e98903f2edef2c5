"""Property-based fuzz of the hotline file loader: whatever the file holds (random bytes, a real
file with lines mangled, any value at any setting), loading either gives a hotline the service can
use or one ConfigError line naming what is wrong, never another exception."""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callcenter.callbacks.policies import PolicySettings
from callcenter.errors import ConfigError
from callcenter.hotline import Hotline, load_hotline, parse_hotline
from callcenter.ivr.prompts import prompt_catalogue

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_TEXT = (ROOT / "hotline.example.toml").read_text(encoding="utf-8")
EXAMPLE = tomllib.loads(EXAMPLE_TEXT)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def usable(hotline: Hotline) -> None:
    """What the service does with a loaded hotline at start-up must work too."""
    prompt_catalogue(hotline)
    PolicySettings.from_hotline(hotline)
    hotline.is_open(dt.datetime(2026, 11, 25, 10, 0))


def loads_or_says_why(load: Any) -> None:
    try:
        hotline = load()
    except ConfigError as exc:
        assert str(exc).startswith("configuration error: ") and "\n" not in str(exc), repr(str(exc))
        return
    usable(hotline)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            out += _paths(value, (*prefix, index))
    return out


PATHS = _paths(EXAMPLE)
HOSTILE: list[Any] = [
    "{centre.__class__}", "{nope}", "{", "}", "{0}", "{agent_id}", "Mars/Olympus", "", "\x00",
    "13800138000\r\nAction: Hangup", "+44 20 7946 0000", "25:00:00", "-1", -1, 0, 10**30, -10**9,
    1e308, float("nan"), [], {}, None, True, dt.time(23, 59), dt.time(0, 0), [[]], [None], ["x"],
]
scalars = st.one_of(
    st.sampled_from(HOSTILE), st.none(), st.booleans(), st.integers(-10**12, 10**12),
    st.floats(allow_nan=True), st.text(max_size=40), st.times(), st.dates(), st.sampled_from(HOSTILE),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(max_size=10), inner, max_size=4), max_leaves=8)


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(PATHS), values), min_size=1, max_size=4))
def test_any_value_at_any_setting_loads_or_is_one_config_error(
        changes: list[tuple[tuple[Any, ...], Any]]) -> None:
    data = copy.deepcopy(EXAMPLE)
    for path, value in changes:
        try:
            _set(data, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change replaced the container this path went through
    loads_or_says_why(lambda: parse_hotline(data, source="fuzz.toml"))


def test_every_setting_with_every_hostile_value_loads_or_is_one_config_error() -> None:
    """The exhaustive single change: each of the example's settings, each hostile value."""
    for path in PATHS:
        for value in HOSTILE:
            data = copy.deepcopy(EXAMPLE)
            _set(data, path, value)
            loads_or_says_why(lambda data=data: parse_hotline(data, source="fuzz.toml"))


@FUZZ
@given(st.binary(max_size=600))
def test_random_bytes_are_one_config_error(tmp_path_factory: Any, raw: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "hotline.toml"
    path.write_bytes(raw)
    loads_or_says_why(lambda: load_hotline(path))


LINES = EXAMPLE_TEXT.splitlines()


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(LINES) - 1), st.sampled_from(["drop", "replace", "dup"]),
                          st.text(max_size=30)), min_size=1, max_size=5),
       st.sampled_from(["utf-8", "utf-16", "gbk", "latin-1", "utf-8-sig"]))
def test_a_real_file_with_mangled_lines_loads_or_says_why(
        tmp_path_factory: Any, edits: list[tuple[int, str, str]], encoding: str) -> None:
    lines = list(LINES)
    for index, how, text in edits:
        index %= len(lines)
        if how == "drop":
            del lines[index]
        elif how == "replace":
            lines[index] = text
        else:
            lines.insert(index, lines[index])
        if not lines:
            break
    path = tmp_path_factory.mktemp("fuzz") / "hotline.toml"
    path.write_bytes("\n".join(lines).encode(encoding, errors="replace"))
    loads_or_says_why(lambda: load_hotline(path))
