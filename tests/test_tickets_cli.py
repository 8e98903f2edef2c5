"""``callcenter tickets from-transcript FILE.jsonl`` (DESIGN.md contract): one JSON object per call
with the labels' meanings and normal forms; bad lines are reported and the rest still printed."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from callcenter import cli
from callcenter.tickets.cli import app

KEYS = ["id", "category", "urgent", "caller_name", "address", "phone", "preferred_time", "greeting_ok",
        "apology_given", "forbidden_phrases", "closing_ok"]


def test_from_transcript_reproduces_the_sample_labels(transcripts_sample: Path) -> None:
    result = CliRunner().invoke(app, ["from-transcript", str(transcripts_sample)])
    assert result.exit_code == 0, result.output
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    expected = [json.loads(line) for line in transcripts_sample.read_text(encoding="utf-8").splitlines()
                if line.strip()]
    assert [p["id"] for p in printed] == [e["id"] for e in expected]
    for got, want in zip(printed, expected, strict=True):
        assert list(got) == KEYS
        assert {k: got[k] for k in KEYS[1:]} == {k: want["labels"][k] for k in KEYS[1:]}, got["id"]


def test_bad_lines_are_named_and_the_good_ones_still_printed(tmp_path: Path) -> None:
    good = {"id": "ok", "turns": [{"speaker": "agent", "text": "您好 物业 服务 中心"},
                                  {"speaker": "caller", "text": "我 家 水管 漏水 了"}]}
    path = tmp_path / "calls.jsonl"
    path.write_text("{not json\n" + json.dumps({"id": "x", "turns": [{"speaker": "bot", "text": "a"}]}) + "\n"
                    + json.dumps(good, ensure_ascii=False) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["from-transcript", str(path)])
    assert result.exit_code == 1
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["ok"]
    assert "line 1: not JSON" in result.stderr and "line 2" in result.stderr and "speaker" in result.stderr


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["from-transcript", str(tmp_path / "none.jsonl")])
    assert result.exit_code == 2 and "not a readable file" in result.stderr


def test_mounted_as_callcenter_tickets() -> None:
    assert ("callcenter.tickets.cli", "app", "tickets") in cli.MOUNTS
