"""A clone passes ``make test`` with nothing beside it: the suite and the benchmarks read their
traces and transcripts from ``tests/data/``, never from a folder next to the checkout. Only the
real-Asterisk tier may look there, and only for the Asterisk build (``shared/asterisk``)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import DATA, ROOT

# A path into the folder beside the clone, however it is spelled: "../<name>",
# `ROOT.parent / "<name>"`, `parents[2] / "<name>"`, or the old CALLCENTER_<NAME> variable. The
# name is assembled so that this checker's own text never looks like such a read.
_BESIDE = "sha" + "red"
_OUTSIDE = re.compile(rf"""\.\./{_BESIDE}\b|/\s*["']{_BESIDE}["']|CALLCENTER_{_BESIDE.upper()}""")
_ASTERISK_BUILD = re.compile(rf"""\.\./{_BESIDE}/asterisk\b|/\s*["']{_BESIDE}["']\s*/\s*["']asterisk["']""")


def _references_outside_the_clone(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()
            if _OUTSIDE.search(_ASTERISK_BUILD.sub("", line))]


def test_the_check_recognises_every_spelling_of_the_shared_folder() -> None:
    assert _references_outside_the_clone(f'TRACES = ROOT.parent / "{_BESIDE}" / "ami-traces"')
    assert _references_outside_the_clone(f"p = Path('../{_BESIDE}/transcripts-sample/calls.jsonl')")
    assert _references_outside_the_clone(f'os.environ.get("CALLCENTER_{_BESIDE.upper()}")')
    assert not _references_outside_the_clone(f'BUILD = ROOT.parent / "{_BESIDE}" / "asterisk"')
    assert not _references_outside_the_clone(f'"""../{_BESIDE}/asterisk/README.md says how to start it"""')
    assert not _references_outside_the_clone(f"{_BESIDE}_state = {{}}  # {_BESIDE} by the workers")


def test_no_test_or_benchmark_reads_beside_the_clone() -> None:
    found = {str(path.relative_to(ROOT)): hits
             for folder in ("tests", "bench") for path in sorted((ROOT / folder).rglob("*.py"))
             if path != Path(__file__).resolve()
             if (hits := _references_outside_the_clone(path.read_text(encoding="utf-8")))}
    assert found == {}, "read these from tests/data/ instead (see tests/data/README.md)"


def test_every_trace_has_its_sidecar_in_the_clone() -> None:
    traces = sorted((DATA / "ami-traces").rglob("*.ami"))
    assert len(traces) == 16  # 9 timestamped, 7 in no-timestamps/
    assert [t for t in traces if not t.with_suffix(".json").is_file()] == []
    assert (DATA / "transcripts-sample" / "calls.jsonl").is_file()
