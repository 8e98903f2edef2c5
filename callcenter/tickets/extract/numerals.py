"""Spoken Chinese numerals: digit by digit (一 三 八, 幺 for one) or as numbers (三十三, 一千一百零一,
read by cn2an). The recogniser writes a word of its lexicon that sounds like a digit it heard (灵 for
零, 而 for 二, 要 for 幺); inside a run of digits those are read as the digits."""

from __future__ import annotations

import re

DIGITS = {"零": 0, "〇": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
          "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
NUMERAL_CHARS = "零〇一幺二两三四五六七八九十百千0-9"
NUMERAL = f"[{NUMERAL_CHARS}]+"
DIGIT_RUN = re.compile("[零〇一幺二两三四五六七八九0-9]+")
HOMOPHONE_DIGITS = {"灵": "零", "铃": "零", "而": "二", "尔": "二", "要": "幺", "妖": "幺"}
_HEARD_RUN = re.compile("[零〇一幺二两三四五六七八九" + "".join(HOMOPHONE_DIGITS) + "]{4,}")


def heard_digits(text: str) -> str:
    """一五九灵灵八三 → 一五九零零八三: homophones inside a run of at least three real digits."""
    def digits(match: re.Match[str]) -> str:
        run = match.group()
        if sum(ch in DIGITS for ch in run) < 3:
            return run  # 我要一个: 要 is a word here
        return "".join(HOMOPHONE_DIGITS.get(ch, ch) for ch in run)

    return _HEARD_RUN.sub(digits, text)


def is_spelled(text: str) -> bool:
    """Digit by digit: no 十/百/千 in it."""
    return not any(ch in UNITS for ch in text)


def spelled_digits(text: str) -> str:
    return "".join(str(DIGITS[ch]) if ch in DIGITS else ch for ch in text if ch in DIGITS or ch.isdigit())


def positional_value(text: str) -> int | None:
    """三十三 → 33, 十二 → 12, 一百零二 → 102, 一千一百零一 → 1101, 两千 → 2000."""
    import cn2an

    if not text or any(ch not in DIGITS and ch not in UNITS for ch in text):
        return None
    try:
        return int(cn2an.cn2an(text.replace("幺", "一"), "smart"))
    except (ValueError, KeyError, IndexError):
        return None


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
