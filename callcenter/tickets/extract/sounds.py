"""What a recogniser hears, not what it writes: a Chinese recogniser writes a word of its lexicon
that sounds like what was said (爆管 heard as 报管, 一三九 as 一山九), and the near sounds that
Mandarin speakers and models confuse (zh/z, ch/c, sh/s, n/l, -ng/-n) are as likely. Each Chinese
character is reduced to one sound key (toneless pinyin by pypinyin, those pairs merged), so a cue
word or a digit matches whatever character the recogniser chose for its sound (R19, R4)."""

from __future__ import annotations

import re
from functools import cache

_HAN = re.compile(r"[\u4e00-\u9fff]")
_PRIVATE = 0xE000  # sound keys are written as private-use characters, one per key


@cache
def sound_key(ch: str) -> str:
    """The toneless pinyin of a Chinese character with the near pairs merged: 是/四 → si,
    您/林/零 → lin; any other character is its own key."""
    if not _HAN.match(ch):
        return ch
    from pypinyin import Style, lazy_pinyin

    syllable = lazy_pinyin(ch, style=Style.NORMAL)[0]
    if syllable[:2] in ("zh", "ch", "sh"):
        syllable = syllable[0] + syllable[2:]
    if syllable.startswith("n") and syllable != "n":
        syllable = "l" + syllable[1:]
    if syllable.endswith(("ang", "eng", "ing")):
        syllable = syllable[:-1]
    return syllable


_TOKENS: dict[str, str] = {}


def _token(ch: str) -> str:
    if not _HAN.match(ch):
        return ch
    key = sound_key(ch)
    if key not in _TOKENS:
        _TOKENS[key] = chr(_PRIVATE + len(_TOKENS))
    return _TOKENS[key]


def by_sound(text: str) -> str:
    """The text with each Chinese character replaced by its sound's token (same length, every
    other character kept), so positions in it are positions in the text."""
    return "".join(_token(ch) for ch in text)


def sound_pattern(pattern: str) -> re.Pattern[str]:
    """A regular expression over Chinese words, made to match by sound on by_sound(text)."""
    return re.compile(by_sound(pattern))
