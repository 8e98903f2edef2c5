"""A malformed stream replays without a crash, and every well-formed call still comes out right:
mutations of real traces (garbage lines, binary noise, lost blank lines, truncated frames,
floods of unknown events, LF-only line ends, odd chunk sizes) must not change any call record."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callcenter.calls.replay import replay_chunks
from tests.conftest import TRACES as TRACES_DIR  # hypothesis cannot take a function-scoped fixture

TRACES = ["answered_fast", "rollover", "abandoned", "two_concurrent", "sip_hold", "queue_agi_greeting"]


def messages_of(data: bytes) -> list[bytes]:
    return [m for m in data.split(b"\r\n\r\n") if m]


def records_json(data: bytes, chunk_sizes: list[int]) -> list[dict[str, object]]:
    def chunks():  # type: ignore[no-untyped-def]
        i = n = 0
        while i < len(data):
            size = chunk_sizes[n % len(chunk_sizes)]
            yield data[i:i + size]
            i, n = i + size, n + 1
    return [r.as_replay_json() for r in replay_chunks(chunks())]


FLOOD = b"Event: UserEvent\r\nPrivilege: user,all\r\nUserEvent: Noise\r\n\r\n"
noise = st.binary(min_size=1, max_size=40).map(lambda b: b.replace(b"\n", b"").replace(b"\r", b"") + b"\r\n")
mutation = st.one_of(
    st.just(("garbage", b"this is not an AMI line\r\n\r\n")),
    noise.map(lambda b: ("noise_line", b)),  # a noise line glued before the next message
    noise.map(lambda b: ("noise_frame", b + b"\r\n")),
    st.just(("no_blank", b"")),
    st.integers(5, 60).map(lambda n: ("truncated_copy", n.to_bytes(1, "big"))),
    st.integers(1, 200).map(lambda n: ("flood", FLOOD * n)),
)


def mutate(messages: list[bytes], edits: dict[int, tuple[str, bytes]]) -> bytes:
    out = bytearray()
    for i, message in enumerate(messages):
        kind, payload = edits.get(i, ("none", b""))
        if kind == "noise_line":
            out += payload
        out += message
        out += b"\r\n" if kind == "no_blank" else b"\r\n\r\n"
        if kind in ("garbage", "noise_frame", "flood"):
            out += payload
        elif kind == "truncated_copy" and message.startswith((b"Event: VarSet", b"Event: Newexten")):
            out += message[: payload[0]] + b"\r\n\r\n"
    return bytes(out)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(TRACES),
       edits=st.dictionaries(st.integers(0, 250), mutation, max_size=25),
       lf_only=st.booleans(),
       chunk_sizes=st.lists(st.integers(1, 3000), min_size=1, max_size=5))
def test_mutated_real_traces_give_the_same_call_records(name: str, edits: dict[int, tuple[str, bytes]],
                                                        lf_only: bool, chunk_sizes: list[int]) -> None:
    data = (TRACES_DIR / f"{name}.ami").read_bytes()
    banner, _, rest = data.partition(b"\r\n")
    clean = records_json(data, [65536])
    mutated = banner + b"\r\n" + mutate(messages_of(rest), edits)
    if lf_only:
        mutated = mutated.replace(b"\r\n", b"\n")
    assert records_json(mutated, chunk_sizes) == clean


def test_traces_dir_fixture_points_at_the_same_traces(traces_dir: Path) -> None:
    assert traces_dir.resolve() == TRACES_DIR.resolve()


def test_cut_and_garbled_relevant_events_never_crash(traces_dir: Path) -> None:
    """Truncate every tracker-relevant message at every few bytes: output may differ, no crash."""
    data = (traces_dir / "rollover.ami").read_bytes()
    banner, _, rest = data.partition(b"\r\n")
    messages = messages_of(rest)
    for cut in (8, 25, 60, 120):
        broken = [m[:cut] if b"Event: Dial" in m or b"Event: Agent" in m else m for m in messages]
        records = replay_chunks([banner + b"\r\n" + b"\r\n\r\n".join(broken) + b"\r\n\r\n"])
        assert len(records) == 1  # the call still ends (its hangups are intact) and is recorded


def test_stream_cut_mid_call_records_the_open_call_at_the_end(traces_dir: Path) -> None:
    data = (traces_dir / "answered_fast.ami").read_bytes()
    records = replay_chunks([data[: len(data) * 2 // 3]])
    (record,) = records
    assert record.answered and record.greeting == "standard"
    assert record.hangup_first == "system"  # nobody was seen hanging up
