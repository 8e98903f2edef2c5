"""Bad values never lose a call (issue 11): an impossible AMI Timestamp (1e308, negative, NaN)
or a call that ends before it starts is recorded, flagged, and stored; nothing raises, nothing is
logged as a traceback."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from callcenter.calls.model import CallRecord
from callcenter.calls.replay import replay_chunks
from tests.support.stored import stored_call


def replay(data: bytes) -> list[CallRecord]:
    return list(replay_chunks(iter([data])))


def with_stamp(data: bytes, event: bytes, stamp: bytes) -> bytes:
    """The first ``event`` message of the trace gets this Timestamp."""
    start = data.index(b"Event: " + event + b"\r\n")
    end = data.index(b"\r\n\r\n", start)
    message = re.sub(rb"Timestamp: [^\r]*", b"Timestamp: " + stamp, data[start:end])
    return data[:start] + message + data[end:]


@pytest.mark.parametrize("stamp", [b"1e308", b"-5", b"nan", b"inf", b"not-a-time"])
def test_an_impossible_timestamp_is_replaced_by_the_arrival_time_and_flagged(
        stamp: bytes, traces_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = (traces_dir / "answered_fast.ami").read_bytes()
    [good] = replay(data)
    with caplog.at_level(logging.WARNING):
        [record] = replay(with_stamp(data, b"DialEnd", stamp))
    assert record.linkedid == good.linkedid and record.answered
    assert record.flags == ("time_from_arrival",)
    assert any("impossible "
               "Timestamp" in r.getMessage() and good.linkedid in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.exc_info]  # no traceback


def test_a_call_that_ends_before_it_starts_is_kept_and_flagged(traces_dir: Path,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    data = (traces_dir / "abandoned.ami").read_bytes()
    [good] = replay(data)
    # The clock stepped back by a day between the call's first and last events.
    last = data.rindex(b"Event: Hangup\r\n")
    tail = re.sub(rb"Timestamp: (\d+)", lambda m: b"Timestamp: " + str(int(m.group(1)) - 86400).encode(),
                  data[last:])
    with caplog.at_level(logging.WARNING):
        [record] = replay(data[:last] + tail)
    assert record.linkedid == good.linkedid
    assert "ended_before_start" in record.flags
    assert record.ended_at == record.started_at and (record.talk_seconds or 0) >= 0
    assert not [r for r in caplog.records if r.exc_info]


def test_flagged_calls_are_stored_with_their_flags(database_url: str, traces_dir: Path,
                                                   tmp_path: Path) -> None:
    data = (traces_dir / "answered_fast.ami").read_bytes()
    [record] = replay(with_stamp(data, b"Newchannel", b"1e308"))
    call = stored_call(database_url, tmp_path / "spool", record)
    assert "time_from_arrival" in (call.flags or "").split(",") and call.answered
