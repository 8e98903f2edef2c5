"""Recogniser errors at a chosen character error rate (CER), as a Chinese Vosk model makes them
(vosk-model-cn-0.22 and small-cn-0.22 publish 14-24 % CER): a character replaced by one that sounds
the same or nearly (pinyin by pypinyin, tones ignored; zh/z, ch/c, sh/s, n/l, -ng/-n confused),
characters dropped, words split apart; and numbers read another way by the caller (四零二 as
四百零二, 三十三 as 三三). Used to report every ticket field at 0/10/20/30 % CER."""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from functools import cache

from pypinyin import Style, lazy_pinyin

from callcenter.tickets.transcript import Transcript

_HAN = re.compile(r"[\u4e00-\u9fff]")
_NEAR = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"), ("ang", "an"), ("eng", "en"), ("ing", "in"))
_NUMERALS = "零一幺二两三四五六七八九十百千"
_DIGIT = "([一二三四五六七八九])"
# Three digits standing alone (a room): a digit one space away, as in a phone number said digit
# by digit (幺 三 八 四 三 零 二 …), is not a room and is never read as hundreds.
_SPELLED_ROOM = re.compile(rf"(?<![{_NUMERALS}])(?<![{_NUMERALS}]\s){_DIGIT}\s?零\s?{_DIGIT}"
                           rf"(?!\s?[{_NUMERALS}])")


def _plain(ch: str) -> str:
    return lazy_pinyin(ch, style=Style.NORMAL)[0]


def _near(syllable: str) -> set[str]:
    forms = {syllable}
    for a, b in _NEAR:
        for form in list(forms):
            if form.startswith(a) or form.endswith(a):
                forms.add(form.replace(a, b, 1))
            elif form.startswith(b) or form.endswith(b):
                forms.add(form.replace(b, a, 1))
    return forms


class Homophones:
    """Characters by toneless pinyin, from the words of the calls themselves."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._by_sound: dict[str, list[str]] = defaultdict(list)
        for ch in sorted({ch for text in texts for ch in text if _HAN.match(ch)}):
            self._by_sound[_plain(ch)].append(ch)

    @cache  # noqa: B019 (one table per evaluation run)
    def alike(self, ch: str) -> tuple[str, ...]:
        sounds = _near(_plain(ch))
        return tuple(c for s in sorted(sounds) for c in self._by_sound.get(s, []) if c != ch)


def _reread_numbers(text: str, rng: random.Random, rate: float) -> str:
    """A room said digit by digit (四 零 二) read as a number (四百 零 二), now and then."""
    def reread(match: re.Match[str]) -> str:
        if rng.random() >= rate:
            return match.group()
        return f"{match.group(1)}百 零 {match.group(2)}"
    return _SPELLED_ROOM.sub(reread, text)


def degrade_text(text: str, cer: float, rng: random.Random, homophones: Homophones) -> str:
    words: list[str] = []
    for word in text.split():
        out = []
        for ch in word:
            if not _HAN.match(ch) or rng.random() >= cer:
                out.append(ch)
                continue
            roll = rng.random()
            if roll < 0.7 and homophones.alike(ch):
                out.append(rng.choice(homophones.alike(ch)))  # heard as another word's sound
            elif roll < 0.9:
                continue  # dropped
            else:
                out.append(" " + ch)  # the word split
        if out:
            words.append("".join(out).strip())
    return _reread_numbers(" ".join(w for w in words if w), rng, cer)


def degrade(transcript: Transcript, cer: float, rng: random.Random, homophones: Homophones) -> Transcript:
    if cer <= 0:
        return transcript
    return replace(transcript, turns=tuple(replace(t, text=degrade_text(t.text, cer, rng, homophones))
                                           for t in transcript.turns))


def char_error_rate(reference: Iterable[Transcript], hypothesis: Iterable[Transcript]) -> float:
    """Levenshtein distance over characters (spaces ignored) / reference length."""
    errors = total = 0
    for ref, hyp in zip(reference, hypothesis, strict=True):
        a = "".join("".join(t.text.split()) for t in ref.turns)
        b = "".join("".join(t.text.split()) for t in hyp.turns)
        errors += _distance(a, b)
        total += len(a)
    return errors / total if total else 0.0


def _distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]

