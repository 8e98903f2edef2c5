"""Spoken Chinese numerals: digit by digit (一 三 八, 幺 for one) or as numbers (三十三, 一千一百零一)."""

from __future__ import annotations

import re

DIGITS = {"零": 0, "〇": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
          "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
NUMERAL_CHARS = "零〇一幺二两三四五六七八九十百千0-9"
NUMERAL = f"[{NUMERAL_CHARS}]+"
DIGIT_RUN = re.compile("[零〇一幺二两三四五六七八九0-9]+")


def is_spelled(text: str) -> bool:
    """Digit by digit: no 十/百/千 in it."""
    return not any(ch in UNITS for ch in text)


def spelled_digits(text: str) -> str:
    return "".join(str(DIGITS[ch]) if ch in DIGITS else ch for ch in text if ch in DIGITS or ch.isdigit())


def positional_value(text: str) -> int | None:
    """三十三 → 33, 十二 → 12, 一百零二 → 102, 一千一百零一 → 1101, 两千 → 2000."""
    total, current = 0, None
    for ch in text:
        if ch in DIGITS:
            current = DIGITS[ch]
        elif ch in UNITS:
            total += (1 if current is None else current) * UNITS[ch]
            current = None
        else:
            return None
    return total + (current or 0)


def numeral_value(text: str) -> str | None:
    """The Arabic form of a spoken numeral, digit by digit kept as written (零 keeps its place)."""
    if not text:
        return None
    if text.isdigit():
        return text
    if is_spelled(text):
        return spelled_digits(text)
    value = positional_value(text)
    return None if value is None else str(value)
