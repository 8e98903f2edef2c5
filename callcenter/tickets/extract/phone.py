"""R4: the contact number, spoken digit by digit. The agent reads it back and the caller may
correct it, so the last complete number said (by either side) is the confirmed one."""

from __future__ import annotations

import re

from callcenter.tickets.extract.numerals import DIGIT_RUN, spelled_digits
from callcenter.tickets.transcript import Transcript

_LANDLINE_CUE = re.compile(r"(电话|号码|座机|手机)(是|号)?$")
# 一八零七 heard as 一八百零七: in a long run of digits 百 before 零 is no number's hundreds.
_HUNDRED_IN_RUN = re.compile("(?<=[零〇一幺二两三四五六七八九]{3})百(?=零[零〇一幺二两三四五六七八九]{3})")


def _numbers_in(text: str) -> list[str]:
    found: list[str] = []
    text = _HUNDRED_IN_RUN.sub("", text)
    for match in DIGIT_RUN.finditer(text):
        digits = spelled_digits(match.group(0))
        if len(digits) >= 11:
            mobile = _mobile(digits)
            if mobile:
                found.append(mobile)
        elif 7 <= len(digits) <= 8 and _LANDLINE_CUE.search(text[max(0, match.start() - 4):match.start()]):
            found.append(digits)  # a local landline, said right after "电话/号码"
    return found


def _mobile(digits: str) -> str | None:
    """An 11-digit mobile (1[3-9]…) inside a run that may carry a room number before it."""
    if digits.startswith("0") and 10 <= len(digits) <= 12:
        return digits  # landline with area code
    for start in range(len(digits) - 10, -1, -1):
        candidate = digits[start:start + 11]
        if candidate[0] == "1" and candidate[1] in "3456789":
            return candidate
    return None


def extract_phone(transcript: Transcript) -> str | None:
    numbers: list[str] = []
    for turn in transcript.turns:
        numbers.extend(_numbers_in(turn.joined))
    return numbers[-1] if numbers else None
