"""`callcenter replay` against every recorded trace (R1, R2, R10, R11, R13), checked against the
figures in each trace's sidecar: its `observed` event times and its `expect` block."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from callcenter.calls.cli import replay
from callcenter.calls.model import CallRecord
from callcenter.calls.replay import replay_chunks, replay_file
from callcenter.calls.ringing import RingRule


def cli() -> typer.Typer:
    """The replay command as `callcenter` mounts it (a plain command named "replay")."""
    app = typer.Typer()
    app.command("replay")(replay)
    app.command("version")(lambda: None)
    return app


TIMESTAMPED = ["answered_fast", "rollover", "abandoned", "two_concurrent", "sip_answered_fast",
               "sip_abandoned",
               "queue_agi_greeting", "sip_hold"]
UNSTAMPED = ["answered_fast", "rollover", "abandoned", "two_concurrent", "sip_answered_fast", "sip_abandoned"]


def chunks_of(data: bytes, sizes: list[int]) -> Iterator[bytes]:
    """Odd chunk sizes, cycling, so frames and CRLFs split at every possible place."""
    i = n = 0
    while i < len(data):
        size = sizes[n % len(sizes)]
        yield data[i:i + size]
        i, n = i + size, n + 1


def expected_calls(sidecar: dict[str, Any], stamped: bool) -> dict[str, dict[str, Any]]:
    """Per Linkedid, what the sidecar's `observed` block says happened."""
    obs = sidecar["observed"]
    key = "Timestamp" if stamped else "t"
    calls: dict[str, dict[str, Any]] = {}
    for called in obs["agent_called"]:
        call = calls.setdefault(called["Linkedid"], {"caller_channel": called["Channel"], "legs": []})
        call["legs"].append(called)
    for call in calls.values():
        # DOMAIN "Ring time": the caller's wait starts when the PBX calls the first member
        # (AgentCalled), not at the phone's ringing indication.
        call["ring_start"] = float(call["legs"][0][key])
        answer = [d for d in obs["dial_end"]
                  if d["Channel"] == call["caller_channel"] and d["DialStatus"] == "ANSWER"]
        abandon = [a for a in obs["caller_abandon"] if a["Channel"] == call["caller_channel"]]
        call["answered"] = bool(answer)
        call["abandoned"] = bool(abandon)
        if answer:
            call["agent"] = next(leg["Interface"] for leg in call["legs"]
                                 if leg["DestChannel"] == answer[0]["DestChannel"])
            call["ring_seconds"] = float(answer[0][key]) - call["ring_start"]
        else:
            call["agent"] = None
            call["ring_seconds"] = float(abandon[0][key]) - call["ring_start"]
    return calls


def check_against_sidecar(records: list[CallRecord], sidecar: dict[str, Any], stamped: bool) -> None:
    expected = expected_calls(sidecar, stamped)
    assert sorted(r.linkedid for r in records) == sorted(expected), "one record per call, no more, no less"
    rule = RingRule()
    for record in records:
        want = expected[record.linkedid]
        assert record.answered is want["answered"]
        assert record.abandoned is want["abandoned"]
        assert record.agent == want["agent"]
        assert record.ring_seconds == pytest.approx(want["ring_seconds"], abs=0.2)
        assert record.within_rule is (want["ring_seconds"] < rule.window_seconds)  # R1
        assert record.rings == int(want["ring_seconds"] // 5) + 1
        if want["answered"]:  # R2: apology once the third ring is over
            assert record.greeting == ("standard" if want["ring_seconds"] < 15 else "apology")
        else:
            assert record.greeting is None
        assert record.attempts == len(want["legs"])  # R13 roll-over attempts
        assert record.hangup_first == "caller"  # R10: every trace's caller hangs up first
        assert record.dropped is False
    check_expect_block(records, sidecar["expect"])


def check_expect_block(records: list[CallRecord], expect: dict[str, Any]) -> None:
    if "callers" in expect:  # two_concurrent
        by_caller = {r.caller: r for r in records}
        for caller in expect["callers"]:
            record = by_caller[caller["cid"]]
            assert record.ring_seconds == pytest.approx(caller["ring_seconds"], abs=0.2)
            assert caller["first_hangup"].startswith(record.hangup_first)
        return
    (record,) = records
    assert record.answered is expect["answered"]
    assert expect["first_hangup"].startswith(record.hangup_first)
    if "ring_seconds" in expect:
        assert record.ring_seconds == pytest.approx(expect["ring_seconds"], abs=0.2)
    if "total_ring_seconds_before_answer_approx" in expect:  # R13: ring time runs across attempts
        assert record.ring_seconds == pytest.approx(expect["total_ring_seconds_before_answer_approx"],
                                                    abs=0.2)
        assert [leg.outcome for leg in record.legs] == ["no_answer", "answered"]
        assert record.legs[0].ring_seconds == pytest.approx(expect["first_agent_ring_seconds"], abs=0.2)
        assert record.legs[1].ring_seconds == pytest.approx(expect["second_agent_ring_seconds"], abs=0.2)
    if expect.get("answered_by"):
        assert f"({record.agent})" in expect["answered_by"]
        assert expect["answered_by"].startswith(record.member_name or "?")
    if "hold_seconds" in expect:  # R11
        assert record.hold_seconds == pytest.approx(expect["hold_seconds"], abs=0.2)
        assert len(record.holds) == 1


@pytest.mark.parametrize("name", TIMESTAMPED)
def test_replay_of_timestamped_trace_matches_sidecar(traces_dir: Path, name: str) -> None:
    sidecar = json.loads((traces_dir / f"{name}.json").read_text())
    data = (traces_dir / f"{name}.ami").read_bytes()
    records = replay_chunks(chunks_of(data, [1, 7, 13, 4093, 2, 509]))
    check_against_sidecar(records, sidecar, stamped=True)


@pytest.mark.parametrize("name", UNSTAMPED)
def test_replay_without_timestamps_uses_sidecar_arrivals(traces_dir: Path, name: str) -> None:
    folder = traces_dir / "no-timestamps"
    sidecar = json.loads((folder / f"{name}.json").read_text())
    data = (folder / f"{name}.ami").read_bytes()
    assert b"Timestamp:" not in data
    records = replay_chunks(chunks_of(data, [3, 11, 1021]), arrivals=sidecar["message_arrival_s"])
    check_against_sidecar(records, sidecar, stamped=False)


def test_replay_without_timestamps_or_arrivals_falls_back_to_reading_time(traces_dir: Path) -> None:
    ticks = iter(range(10_000))
    records = replay_chunks([(traces_dir / "no-timestamps" / "answered_fast.ami").read_bytes()],
                            now=lambda: float(next(ticks)))
    (record,) = records
    assert record.answered and record.ring_seconds is not None
    assert record.ring_seconds < 100  # message counts, not the real 8 s: there was no time to read


def test_login_failure_trace_has_no_calls(traces_dir: Path) -> None:
    assert replay_file(traces_dir / "login_failure.ami") == []


def test_ring_cycle_and_rule_rings_change_the_verdict(traces_dir: Path) -> None:
    """R1: with a 6 s cycle (2 s on / 4 s off) 8 s of ringing is still the second ring; with a
    one-ring rule it is late, and the greeting is the apology (R2)."""
    (record,) = replay_file(traces_dir / "answered_fast.ami", RingRule(6.0, 3))
    assert (record.rings, record.within_rule, record.greeting) == (2, True, "standard")
    (record,) = replay_file(traces_dir / "answered_fast.ami", RingRule(5.0, 1))
    assert (record.rings, record.within_rule, record.greeting) == (2, False, "apology")


def test_replay_command_prints_one_json_object_per_call(traces_dir: Path) -> None:
    result = CliRunner().invoke(cli(), ["replay", str(traces_dir / "two_concurrent.ami")])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["caller"] for line in lines] == ["13800138000", "13900139000"]
    for line in lines:
        assert {"linkedid", "caller", "queue", "agent", "answered", "abandoned", "ring_seconds", "rings",
                "within_rule", "greeting", "wait_seconds", "talk_seconds", "attempts", "hangup_first",
                "hold_seconds"} <= set(line)


def test_replay_command_with_arrivals_and_options(traces_dir: Path) -> None:
    folder = traces_dir / "no-timestamps"
    result = CliRunner().invoke(cli(), ["replay", str(folder / "rollover.ami"), "--arrivals",
                                      str(folder / "rollover.json"), "--ring-cycle", "6", "--rule-rings",
                                      "4"])
    assert result.exit_code == 0, result.output
    (line,) = [json.loads(line) for line in result.output.splitlines()]
    assert line["attempts"] == 2 and line["ring_seconds"] == pytest.approx(21.0, abs=0.2)
    assert (line["rings"], line["within_rule"], line["greeting"]) == (4, True, "standard")


def test_replay_command_reports_a_missing_trace_in_plain_words(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli(), ["replay", str(tmp_path / "nope.ami")])
    assert result.exit_code != 0
    assert "does not exist" in str(result.exception) or "does not exist" in result.output


def _callcenter(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(Path(sys.executable).parent / "callcenter"), *args], capture_output=True,
                          text=True,
                          timeout=60, check=False)


def test_replay_refuses_a_capture_without_timestamps_unless_given_its_arrivals(traces_dir: Path) -> None:
    """Without Timestamp headers or arrival times every ring would read 0.0 s, within the rule,
    standard greeting (R1, R2): a figure that looks right and is not. Say so instead."""
    trace = traces_dir / "no-timestamps" / "rollover.ami"
    done = _callcenter("replay", str(trace))
    assert done.returncode == 2 and done.stdout == ""
    [line] = done.stderr.splitlines()
    assert str(trace) in line and "Timestamp" in line and "--arrivals" in line
    with_arrivals = _callcenter("replay", str(trace), "--arrivals", str(trace.with_suffix(".json")))
    assert with_arrivals.returncode == 0 and json.loads(with_arrivals.stdout)["ring_seconds"] > 15


def test_replay_refuses_a_sidecar_that_belongs_to_another_capture(traces_dir: Path) -> None:
    folder = traces_dir / "no-timestamps"
    done = _callcenter("replay", str(folder / "answered_fast.ami"), "--arrivals",
                       str(folder / "rollover.json"))
    assert done.returncode == 2 and done.stdout == ""
    [line] = done.stderr.splitlines()
    messages = len(json.loads((folder / "answered_fast.json").read_text())["message_arrival_s"])
    arrivals = len(json.loads((folder / "rollover.json").read_text())["message_arrival_s"])
    assert f"{arrivals} arrival times" in line and f"{messages} messages" in line and "rollover.json" in line


@pytest.mark.parametrize("trace", [*(f"no-timestamps/{n}" for n in UNSTAMPED), *TIMESTAMPED])
def test_every_recorded_sidecar_matches_its_capture(traces_dir: Path, trace: str) -> None:
    path = traces_dir / f"{trace}.ami"
    assert replay_file(path, arrivals_path=path.with_suffix(".json"))  # not refused, calls come out
