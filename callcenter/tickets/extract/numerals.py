"""Spoken Chinese numerals: digit by digit (一 三 八, 幺 for one) or as numbers (三十三, 一千一百零一,
read by cn2an). The recogniser writes a word of its lexicon that sounds like a digit it heard (灵 for
零, 而 for 二, 要 for 幺, 山 for 三); inside a run of digits those are read as the digits, by sound
(callcenter.tickets.extract.sounds)."""

from __future__ import annotations

import re
from functools import cache

DIGITS = {"零": 0, "〇": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
          "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
NUMERAL_CHARS = "零〇一幺二两三四五六七八九十百千0-9"
NUMERAL = f"[{NUMERAL_CHARS}]+"
DIGIT_RUN = re.compile("[零〇一幺二两三四五六七八九0-9]+")
# The sound of each digit as sound_key gives it (零 lin, 两 lian: -ng/-n merged; 四 si, as 是/十).
_DIGIT_SOUNDS = {"lin": "零", "yi": "一", "yao": "幺", "er": "二", "lian": "两", "san": "三", "si": "四",
                 "wu": "五", "liu": "六", "qi": "七", "ba": "八", "jiu": "九"}


@cache  # one answer per character, asked for every character of every turn
def heard_as(ch: str) -> str | None:
    """The digit a character sounds like (灵/您 零, 而 二, 要 幺, 山 三, 就 九), if any; 十/百/千 are
    units, never digits."""
    from callcenter.tickets.extract.sounds import sound_key

    if ch in DIGITS or ch.isdigit():
        return ch
    if ch in UNITS:
        return None
    return _DIGIT_SOUNDS.get(sound_key(ch))


def heard_digits(text: str) -> str:
    """一五九灵灵八三 → 一五九零零八三: in a run of characters that all sound like digits, with at
    least three real digits, each is read as the digit it sounds like. A sound-alike at either end
    of the run (是一三九…, …二零二就) stays a word unless it completes an 11-digit mobile
    (是以三九… → 是一三九…)."""
    out: list[str] = []
    index = 0
    while index < len(text):
        end = heard_run_end(text, index)
        if end == index:
            out.append(text[index])
            index += 1
            continue
        out.append(_read_run(text[index:end]))
        index = end
    return "".join(out)


def heard_run_end(text: str, start: int = 0) -> int:
    """Where the run of characters that sound like digits, beginning at start, ends."""
    end = start
    while end < len(text) and heard_as(text[end]) is not None:
        end += 1
    return end


def said_digits(run: str) -> list[int]:
    """The places in a run where a digit itself was said (not a word that sounds like one)."""
    return [i for i, ch in enumerate(run) if ch in DIGITS or ch.isdigit()]


def _read_run(run: str) -> str:
    real = said_digits(run)
    if len(real) < 3:
        return run  # 我要一个: 要 is a word here
    first, last = real[0], real[-1]
    heard = "".join(heard_as(ch) or ch for ch in run)
    for start in range(0, first + 1):  # a mobile whose first or last digit was heard as a word
        end = start + 11
        window = spelled_digits(heard[start:end])
        if last < end <= len(run) and len(window) == 11 and window[0] == "1" and window[1] in "3456789":
            return run[:start] + heard[start:end] + run[end:]
    return run[:first] + heard[first:last + 1] + run[last + 1:]


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
