"""R19: emergencies — gas smell, fire or smoke, serious flooding, people trapped in a lift, sparking
electrics: danger to people or property now. A planned outage or one flat without power is urgent
business, not an emergency. Read from the caller's words (the agent's questions may repeat them)."""

from __future__ import annotations

import re

from callcenter.tickets.extract.sounds import by_sound, sound_pattern
from callcenter.tickets.transcript import Transcript

# Each pattern is a present danger. The recogniser writes only words of its lexicon, so no non-word
# misspellings (a generator's 然气 for 燃气) are listed.
DANGERS: dict[str, re.Pattern[str]] = {
    "gas": re.compile(r"(燃气|煤气|天然气|液化气)[^。|]{0,6}(味|泄漏|漏气|漏了|报警器[^。|]{0,4}响)|"
                      r"一股[^。|]{0,3}(煤气|燃气)|漏气"),
    "fire": re.compile(r"着火|着了|起火|失火|火灾|冒烟|浓烟|全是烟|都是烟|好多烟|很大的烟|一股烟|烧起来|"
                       r"烧着了|火苗|明火|"
                       r"烟雾报警"),
    "flood": re.compile(r"喷水|爆管|爆了|爆裂|水管裂|往下灌|水[^|]{0,4}灌进|灌进[^|]{0,4}水|淹了|淹到|水淹|"
                        r"流进电梯|流到电梯|止不住|关不住|漫到|"
                        r"水越来越大|哗哗|进水了?[^|]{0,4}(好多|很多|大量|全是)|好多水|水[^|]{0,6}冲下来|"
                        r"泡了|泡水"),
    "lift": re.compile(r"电梯[^|]{0,20}(困|关着|关住|出不来|卡住了|卡在[^|]{0,8}不动)|(困|关|卡)在电梯|被困|"
                       r"人在里面出不来|(里面|里头)[^|]{0,6}出不来|喊救命|救命"),
    "sparks": re.compile(r"火花|打火|冒[^|]{0,4}火|电火花|滋滋[^|]{0,4}(火|冒)|烧焦|焦[^|]{0,2}味|糊味"),
    # R19's "danger to people now": something about to fall on passers-by.
    "falling": re.compile(r"(掉|砸)下来[^|]{0,4}砸|砸到人|砸伤人|要塌|塌下来"),
}
_NEGATED = re.compile(r"(没有|没|不是|并没有|无|不)$")


def _alternatives(source: str) -> list[str]:
    """A pattern's top-level alternatives (a | inside (...) or [...] belongs to its group)."""
    parts, depth, in_class, start = [], 0, False, 0
    for index, ch in enumerate(source):
        escaped = index > 0 and source[index - 1] == "\\"
        if escaped:
            continue
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif not in_class and ch == "(":
            depth += 1
        elif not in_class and ch == ")":
            depth -= 1
        elif not in_class and depth == 0 and ch == "|":
            parts.append(source[start:index])
            start = index + 1
    return [*parts, source[start:]]


_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _heard_alike(alternative: str) -> bool:
    """Cues matched by sound too: those with at least two meaningful characters, so that a
    common word of the same sound (找了 for 着了) does not raise an alarm."""
    return len(_CHINESE.findall(_CLASS.sub("", alternative).replace("了", ""))) >= 2


_CLASS = re.compile(r"\[[^\]]*\]")
# The same dangers, heard: each cue matched by its sound, with the characters it is written with.
HEARD: dict[str, list[tuple[re.Pattern[str], frozenset[str]]]] = {
    kind: [(sound_pattern(a), frozenset(_CHINESE.findall(a))) for a in _alternatives(pattern.pattern)
           if _heard_alike(a)]
    for kind, pattern in DANGERS.items()
}


def _present(pattern: re.Pattern[str], text: str, written: str | None = None,
             cue: frozenset[str] = frozenset()) -> bool:
    """A match not negated just before it (the negation read in the written words). Matched by
    sound, at least one character must be written as in the cue: a recogniser rarely mishears
    every character of a word, while a different word of the same sound (盲道 for 漫到) has none."""
    written = text if written is None else written
    for match in pattern.finditer(text):
        before = written[max(0, match.start() - 3):match.start()]
        if _NEGATED.search(before):
            continue
        if cue and not cue & set(written[match.start():match.end()]):
            continue
        return True
    return False


def emergency_kinds(transcript: Transcript) -> list[str]:
    return kinds_in("|".join(t.joined for t in transcript.side("caller")))


def kinds_in(text: str) -> list[str]:
    """The dangers the caller's words name (joined words, turns separated by ``|``); also read on
    live partial results (issue 17)."""
    heard = by_sound(text)
    return [kind for kind, pattern in DANGERS.items()
            if _present(pattern, text)
            or any(_present(sound, heard, text, cue) for sound, cue in HEARD[kind])]


def is_emergency(transcript: Transcript) -> bool:
    return bool(emergency_kinds(transcript))
