"""Recordings like MixMonitor (contract C3): a scripted call's speech is synthesised with the
prompts' voice and written as ``<UNIQUEID>-caller.wav`` / ``<UNIQUEID>-agent.wav`` (8 kHz mono
16-bit) at its time in the conversation; the paths go out as Asterisk reports them."""

from __future__ import annotations

import wave
from array import array
from pathlib import Path
from typing import Any

import pytest
from test_pbxsim_fidelity import capture

from callcenter.calls.replay import replay_chunks
from callcenter.config import load_settings
from callcenter.errors import ConfigError
from callcenter.pbxsim.component import hotline_queues
from callcenter.pbxsim.recordings import Recorder
from callcenter.pbxsim.scenario import parse_scenario
from tests.support.fidelity import messages
from tests.support.virtual_time import in_virtual_time

AGENT_LINE = {"side": "agent", "at": 0.3, "text": "您好，物业服务中心，请讲"}
CALLER_LINE = {"side": "caller", "at": 4.0, "text": "我家厨房的水管漏水了，请派人来修"}
LOUD = 300  # espeak-ng's speech is far above this; digital silence is 0


def _scenario(**extra: Any) -> dict[str, Any]:
    call = {"at": 1.0, "caller": "13800138000", "hangup_after": 18, "variables": {"__RING_agent1": "3"},
            "say": [CALLER_LINE, AGENT_LINE]}
    return {"name": "recorded", "calls": [call | extra],
            "queues": [{"name": "service", "members": [["Local/agent1@agents", "Agent 1"]]}]}


def _samples(path: Path) -> tuple[wave._wave_params, array[int]]:
    with wave.open(str(path), "rb") as audio:
        params = audio.getparams()
        samples = array("h")
        samples.frombytes(audio.readframes(audio.getnframes()))
    return params, samples


def _sound_spans(samples: array[int], gap: int = 4000) -> list[tuple[float, float]]:
    """(start, end) seconds of each stretch of sound, stretches closer than ``gap`` samples joined."""
    spans: list[list[int]] = []
    for index, sample in enumerate(samples):
        if abs(sample) > LOUD:
            if spans and index - spans[-1][1] <= gap:
                spans[-1][1] = index
            else:
                spans.append([index, index])
    return [(a / 8000, b / 8000) for a, b in spans]


def _event(stream: bytes, name: str, **match: str) -> dict[str, str]:
    for message in messages(stream):
        headers = dict(message)
        if headers.get("Event") == name and all(headers.get(k) == v for k, v in match.items()):
            return headers
    raise AssertionError(f"no {name} {match} in the stream")


@in_virtual_time
async def test_scripted_call_writes_one_wav_per_side_with_each_line_at_its_time(tmp_path: Path) -> None:
    stream, pbx = await capture(parse_scenario(_scenario()), speed=10.0, recorder=Recorder(tmp_path))
    assert pbx.recorder.errors == []
    mixmonitor = _event(stream, "MixMonitorStart")
    uniqueid = mixmonitor["Uniqueid"]
    filename = _event(stream, "VarSet", Variable="MIXMONITOR_FILENAME",
                      Channel=mixmonitor["Channel"])["Value"]
    assert filename == str(tmp_path / f"{uniqueid}.wav")  # reported as Asterisk does, an absolute path
    caller_file, agent_file = tmp_path / f"{uniqueid}-caller.wav", tmp_path / f"{uniqueid}-agent.wav"
    (call,) = pbx.calls.values()
    assert call.recordings == [filename, str(caller_file), str(agent_file)]
    lengths, spans = set(), []
    for path, line in ((caller_file, CALLER_LINE), (agent_file, AGENT_LINE)):
        params, samples = _samples(path)
        assert (params.framerate, params.nchannels, params.sampwidth, params.comptype) == (8000, 1, 2, "NONE")
        (span,) = _sound_spans(samples)  # this side's one line, and nothing of the other side
        assert span[0] == pytest.approx(line["at"], abs=0.15)  # app_queue records from the bridge
        assert span[1] - span[0] > 1.5  # a whole synthesised sentence, not a click
        assert params.nframes / 8000 > span[1]  # the file covers the line
        lengths.add(params.nframes)
        spans.append(span)
    assert len(lengths) == 1  # both sides span the same recording time, as MixMonitor's do
    _, mixed = _samples(tmp_path / f"{uniqueid}.wav")
    heard = _sound_spans(mixed, gap=1)
    assert heard[0][0] == pytest.approx(spans[1][0], abs=0.01)  # the mix: the agent first …
    assert heard[-1][1] == pytest.approx(spans[0][1], abs=0.01)  # … the caller last


@in_virtual_time
async def test_hotline_flow_records_from_the_answer_and_places_lines_after_the_bridge(
        tmp_path: Path, hotline_path: Path) -> None:
    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path), "CALLCENTER_VAR_DIR": str(tmp_path)})
    queues = hotline_queues(settings.hotline)
    extension = queues[0].members[0][0].split("/")[1]
    data = _scenario(via="pjsip", keys="1", variables={f"__RING_{extension}": "2"})
    data |= {"flow": "hotline", "queues": []}
    recorder = Recorder(tmp_path)
    stream, _pbx = await capture(parse_scenario(data), speed=10.0, recorder=recorder, inbound="hotline",
                                hotline=settings.hotline, queues=queues)
    newexten = _event(stream, "Newexten", Application="MixMonitor")
    uid = newexten["Uniqueid"]
    # substituted, as Asterisk shows it
    assert newexten["AppData"] == f"{uid}.wav,r({uid}-caller.wav)t({uid}-agent.wav)"
    assert [dict(m).get("Event") for m in messages(stream)].count("MixMonitorStart") == 1
    answer = float(_event(stream, "Newstate", Uniqueid=uid, ChannelStateDesc="Up")["Timestamp"])
    bridge = float(_event(stream, "BridgeEnter", Uniqueid=uid)["Timestamp"])
    _, agent = _samples(tmp_path / f"{uid}-agent.wav")
    (span,) = _sound_spans(agent)
    assert span[0] == pytest.approx(bridge - answer + AGENT_LINE["at"], abs=0.2)
    assert bridge - answer > 3  # greeting, menu and ringing came first: the offset is real


def test_bad_say_lines_are_refused_with_the_reason() -> None:
    with pytest.raises(ConfigError, match="side must be 'caller' or 'agent'"):
        parse_scenario(_scenario(say=[{"side": "customer", "at": 1, "text": "你好"}]))
    with pytest.raises(ConfigError, match="text must not be empty"):
        parse_scenario(_scenario(say=[{"side": "caller", "at": 1, "text": " "}]))


@in_virtual_time
async def test_unscripted_calls_report_the_file_but_write_nothing(tmp_path: Path) -> None:
    data = _scenario()
    del data["calls"][0]["say"]
    stream, _pbx = await capture(parse_scenario(data), speed=20.0, recorder=Recorder(tmp_path))
    assert _event(stream, "MixMonitorStart")
    assert list(tmp_path.iterdir()) == []


@in_virtual_time
async def test_recording_paths_reach_the_tracker_record(tmp_path: Path) -> None:
    stream, _pbx = await capture(parse_scenario(_scenario()), speed=10.0, recorder=Recorder(tmp_path))
    (record,) = replay_chunks([stream])
    assert any(path.endswith("-caller.wav") for path in record.recordings)
    assert any(path.endswith("-agent.wav") for path in record.recordings)
