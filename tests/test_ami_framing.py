"""The AMI stream parser: real framing, and what broken streams look like (never a crash)."""

from __future__ import annotations

from pathlib import Path

from callcenter.ami.events import DialEnd, Hangup, parse_event
from callcenter.ami.framing import MAX_MESSAGE_CHARS, AmiFramer


def feed_all(framer: AmiFramer, data: bytes, size: int) -> list[dict[str, str]]:
    out = []
    for i in range(0, len(data), size):
        out += [m.headers for m in framer.feed(data[i:i + size])]
    return out + [m.headers for m in framer.flush()]


def test_banner_then_messages_split_on_blank_lines(traces_dir: Path) -> None:
    data = (traces_dir / "answered_fast.ami").read_bytes()
    framer = AmiFramer()
    messages = feed_all(framer, data, 1)
    assert framer.banner == "Asterisk Call Manager/9.0.0"
    assert len(messages) == 132  # the sidecar's messages_after_banner
    assert messages[0] == {"Response": "Success", "ActionID": "listener-login-1",
                           "Message": "Authentication accepted"}
    assert messages[-1]["Response"] == "Goodbye"
    assert framer.stats.garbage_lines == 0 and framer.stats.dropped_messages == 0


def test_lf_only_and_crlf_give_the_same_messages(traces_dir: Path) -> None:
    data = (traces_dir / "rollover.ami").read_bytes()
    assert feed_all(AmiFramer(), data.replace(b"\r\n", b"\n"), 97) == feed_all(AmiFramer(), data, 4096)


def test_missing_blank_line_starts_a_new_message_at_event() -> None:
    data = (b"Event: Newstate\r\nChannel: A\r\nUniqueid: 1\r\nLinkedid: 1\r\n"
            b"Event: Hangup\r\nChannel: A\r\nUniqueid: 1\r\nLinkedid: 1\r\nCause: 16\r\n\r\n")
    messages = feed_all(AmiFramer(), data, 5)
    assert [m["Event"] for m in messages] == ["Newstate", "Hangup"]
    assert messages[1]["Cause"] == "16"


def test_garbage_and_binary_noise_are_skipped_and_counted() -> None:
    data = (b"garbage line without colon\r\n\x00\xff\xfe\x07noise\r\n\r\n"
            b"\x00\xffEvent: Hangup\r\nChannel: A\r\nUniqueid: 1\r\nLinkedid: 1\r\nCause: 16\r\n\r\n")
    framer = AmiFramer()
    messages = feed_all(framer, data, 3)
    assert [m.get("Event") for m in messages] == ["Hangup"]  # the noisy key prefix is salvaged
    assert framer.stats.garbage_lines >= 2


def test_truncated_frame_is_ignored_by_the_event_reader() -> None:
    framer = AmiFramer()
    messages = feed_all(framer, b"Event: DialEnd\r\nChannel: A\r\n\r\nEvent: Hangup\r\nChannel: B\r\n"
                                b"Uniqueid: 2\r\nLinkedid: 2\r\nCause: 16\r\n\r\n", 4)
    events = [parse_event(m, 0.0) for m in messages]
    assert events[0] is None  # DialEnd without DestChannel/DialStatus: logged, skipped
    assert isinstance(events[1], Hangup) and events[1].cause == 16


def test_a_message_that_never_ends_cannot_grow_without_bound() -> None:
    framer = AmiFramer()
    framer.feed(b"Event: X\r\n" + b"Junk: " + b"a" * (MAX_MESSAGE_CHARS + 10))
    assert framer.stats.dropped_messages == 1
    assert [m.headers["Event"] for m in framer.feed(b"\r\n\r\nEvent: Y\r\n\r\n")] == ["Y"]


def test_split_utf8_and_crlf_across_reads() -> None:
    data = "Event: Newchannel\r\nCallerIDName: 张三\r\n\r\n".encode()
    messages = feed_all(AmiFramer(), data, 1)
    assert messages == [{"Event": "Newchannel", "CallerIDName": "张三"}]


def test_timestamp_header_wins_over_arrival_time() -> None:
    headers = {"Event": "DialEnd", "Timestamp": "1795634562.986923", "Channel": "C", "Uniqueid": "1",
               "Linkedid": "1", "DestChannel": "D", "DialStatus": "ANSWER"}
    event = parse_event(headers, arrival=5.0)
    assert isinstance(event, DialEnd) and event.at == 1795634562.986923
    headers.pop("Timestamp")
    assert parse_event(headers, arrival=5.0).at == 5.0  # type: ignore[union-attr]


def test_unknown_events_are_ignored() -> None:
    assert parse_event({"Event": "VarSet", "Linkedid": "1"}, 0.0) is None
    assert parse_event({"Event": "SomethingNew"}, 0.0) is None
