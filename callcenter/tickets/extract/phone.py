"""R4: the contact number, spoken digit by digit. The agent reads it back and the caller may
correct it, so the last complete number said (by either side) is the confirmed one.

A recogniser drops a digit now and then (幺 三 八 七 六 … heard without its 七). A read-back that
lost a digit and was made up to eleven by a word after it that sounds like a digit (刘 阿姨: 刘 as
六), or by a room number before it, is the earlier number heard short, not a correction. A number
said twice, by the caller and in the agent's read-back, rarely loses the same digit twice: when no
complete number was heard, two readings short of a mobile by a digit or two are put together,
each digit where the other has it, if that gives one mobile (1[3-9] and 11 digits) and only one.
A number heard short and said once is left out: the ticket asks the agent for it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from callcenter.tickets.extract.numerals import (
    DIGIT_RUN,
    heard_as,
    heard_digits,
    heard_run_end,
    said_digits,
    spelled_digits,
)
from callcenter.tickets.transcript import Transcript

_LANDLINE_CUE = re.compile(r"(电话|号码|座机|手机)(是|号)?$")
_LOCAL_FIRST = "23456789"  # a local landline never starts with 0 (the trunk prefix) or 1 (mobiles, services)
_SHORT = (9, 10)  # digits in a reading of a mobile that lost one or two


def _without_hundreds(text: str) -> str:
    """百 taken out of a long run of digits (一八零七 heard as 一八百零七: in a long run 百 before
    零 is no number's hundreds), sound-alikes of digits counted in the run."""
    kept: list[str] = []
    for index, ch in enumerate(text):
        if ch == "百" and heard_as(text[index + 1:index + 2]) == "零":
            before = heard_run_end(text[:index][::-1])
            after = heard_run_end(text[index + 1:])
            if before >= 2 and after >= 4 and before + after >= 10:
                continue
        kept.append(ch)
    return "".join(kept)




@dataclass(frozen=True)
class _Said:
    number: str
    run: str  # every digit of the run it was heard in (a room number before it, a word after it)
    core: str  # the run's digits from its first to its last said as a digit (no sound-alike at an end)


def _numbers_in(said: str, text: str) -> list[_Said]:
    """The complete numbers in a turn: text is said (the turn's words) with digits read by sound,
    character for character."""
    found: list[_Said] = []
    for match in DIGIT_RUN.finditer(text):
        digits = spelled_digits(match.group(0))
        if len(digits) >= 11:
            mobile = _mobile(digits)
            if mobile:
                span = said[match.start():match.end()]
                real = said_digits(span) or [0, len(span) - 1]
                core = spelled_digits(text[match.start() + real[0]:match.start() + real[-1] + 1])
                found.append(_Said(mobile, digits, core))
        elif (7 <= len(digits) <= 8 and digits[0] in _LOCAL_FIRST
              and _LANDLINE_CUE.search(text[max(0, match.start() - 4):match.start()])):
            found.append(_Said(digits, digits, digits))  # a local landline, said right after "电话/号码"
    return found


def _short_readings(said: str) -> list[tuple[str, ...]]:
    """Runs of 9–10 digits (a mobile with a digit or two lost): the run from its first to its last
    said digit, then with the words sounding like digits around it taken in (要 for 幺 where it
    starts, 思 唔 for 四 五 where it ends), each form that has 9–10 digits."""
    readings: list[tuple[str, ...]] = []
    index = 0
    while index < len(said):
        end = heard_run_end(said, index)
        run = said[index:end]
        index = max(end, index + 1)
        real = said_digits(run)
        if len(real) < 3:
            continue
        heard = spelled_digits("".join(heard_as(ch) or ch for ch in run))
        first, last = real[0], real[-1] + 1
        forms = [heard[first:last], heard[:last], heard[first:], heard]
        forms = list(dict.fromkeys(f for f in forms if len(f) in _SHORT))
        if forms:
            readings.append(tuple(forms))
    return readings


def _mobile(digits: str) -> str | None:
    """An 11-digit mobile (1[3-9]…) inside a run that may carry a room number before it."""
    if digits.startswith("0") and 10 <= len(digits) <= 12:
        return digits  # landline with area code
    for start in range(len(digits) - 11, -1, -1):
        candidate = digits[start:start + 11]
        if _is_mobile(candidate):
            return candidate
    return None


def _is_mobile(digits: str) -> bool:
    return len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789"


@cache
def _supersequences(a: str, b: str) -> frozenset[str]:
    """Every shortest sequence that holds both a and b in order (each one's digits where the
    other lost them)."""
    if not a or not b:
        return frozenset({a + b})
    if a[0] == b[0]:
        return frozenset(a[0] + rest for rest in _supersequences(a[1:], b[1:]))
    first = {a[0] + rest for rest in _supersequences(a[1:], b)}
    second = {b[0] + rest for rest in _supersequences(a, b[1:])}
    shortest = min(len(s) for s in first | second)
    return frozenset(s for s in first | second if len(s) == shortest)


def _joined(first: tuple[str, ...], second: tuple[str, ...]) -> str | None:
    """The one mobile two short readings of it make; none when they make none or more than one."""
    made = {s for a in first for b in second for s in _supersequences(a, b) if _is_mobile(s)}
    return made.pop() if len(made) == 1 else None


def _dropped(number: str) -> set[str]:
    """The number with one digit lost."""
    return {number[:i] + number[i + 1:] for i in range(len(number))}


def _misheard(later: _Said, earlier: list[_Said]) -> bool:
    """A later number made of an earlier mobile that lost a digit, filled up by a word that sounds
    like a digit after it (幺三八幺幺六三零七二 刘阿姨: 刘 as 六) or by a room number said before it:
    the read-back heard short, not a correction."""
    for said in earlier:
        if said.number == later.number or not _is_mobile(said.number):
            continue
        short = _dropped(said.number)
        if len(later.core) < 11 and later.core not in said.number and any(later.core in s for s in short):
            return True
        if len(later.run) > 11 and any(s in later.run and s not in later.number for s in short):
            return True
    return False


def extract_phone(transcript: Transcript) -> str | None:
    numbers: list[_Said] = []
    short: list[tuple[str, ...]] = []
    for turn in transcript.turns:
        said = _without_hundreds("".join(turn.text.split()))
        text = heard_digits(said)
        numbers.extend(_numbers_in(said, text))
        short.extend(_short_readings(said))
    for index in range(len(numbers) - 1, -1, -1):
        if not _misheard(numbers[index], numbers[:index]):
            return numbers[index].number
    for first, second in reversed(list(pairwise(short))):
        joined = _joined(first, second)
        if joined:
            return joined
    return None
