"""R4: the caller's address, normalised as ``3栋2单元501``, ``12号楼102``, ``5幢302``, ``B座1803``.

Buildings, units and rooms are spoken as Chinese numerals (幺 = 1, 两 = 2), rooms digit by digit
(五 零 一) or as numbers (五百零一). The recogniser often writes a homophone for the building word
(动/洞 for 栋, 撞 for 幢, 做/坐 for 座, 单园 for 单元); a numeral before it makes the reading safe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from callcenter.tickets.extract.numerals import NUMERAL, NUMERAL_CHARS, numeral_value
from callcenter.tickets.transcript import Transcript

_BUILDING_WORDS = {"栋": "栋", "动": "栋", "洞": "栋", "号楼": "号楼", "号搂": "号楼", "幢": "幢", "撞": "幢",
                   "座": "座", "做": "座", "坐": "座"}
_KIND = "|".join(sorted(_BUILDING_WORDS, key=len, reverse=True))
# A room number is a numeral not followed by a word that makes it a floor, an amount or a time.
_NOT_ROOM = (rf"(?![{NUMERAL_CHARS}])"
             r"(?!楼(?![下上道梯顶])|层|栋|幢|座|元|块|分|点|个|岁|米|平|天|年|月|次|期|号楼|单元|多|号线|"
             r"路)")
# Between the parts a caller may pause (the recogniser's turn break) or say 的: 一单元的四零二.
_GAP = r"(?:的|\|)?"
BUILDING = re.compile(
    rf"(?P<b>(?<![A-Za-z])[A-Za-z](?=座|做|坐)|{NUMERAL})(?P<kind>{_KIND})"
    rf"(?:{_GAP}(?P<u>{NUMERAL})(?:单元|单园|单员|担元))?"
    rf"(?:{_GAP}(?P<room>{NUMERAL}{_NOT_ROOM}))?"
)
# A room said on its own: after 是/住/在, before 室/的, or as the caller's whole answer (六 零 二).
STANDALONE_ROOM = re.compile(
    rf"(?:住|住在)(?P<room3>{NUMERAL}){_NOT_ROOM}|"
    rf"(?:是|在|^|\|)(?P<room>{NUMERAL})(?=室|号房|房|的|\||$)|(?P<room2>{NUMERAL})室")


@dataclass(frozen=True)
class Address:
    building: str
    kind: str
    unit: str | None
    room: str | None

    def text(self) -> str:
        return f"{self.building}{self.kind}{self.unit + '单元' if self.unit else ''}{self.room or ''}"

    @property
    def parts(self) -> int:
        return 1 + bool(self.unit) + bool(self.room)


def _room(spoken: str | None) -> str | None:
    value = numeral_value(spoken or "")
    if value is None or not 3 <= len(value) <= 4 or value.startswith("0"):
        return None
    return value


def _building(match: re.Match[str]) -> Address | None:
    raw, kind = match.group("b"), _BUILDING_WORDS[match.group("kind")]
    if raw.isalpha() and raw.isascii():
        building = raw.upper()
    else:
        building = numeral_value(raw) or ""
        if not building or int(building) == 0 or len(building) > 3:
            return None
    unit = numeral_value(match.group("u") or "") or None
    room = _room(match.group("room"))
    if kind == "座" and not (raw.isascii() and raw.isalpha()) and not (unit or room):
        return None  # 五座一七零六 is a tower and a room; a bare 一座 is a count (一座桥)
    return Address(building, kind, unit, room)


def candidates(text: str) -> list[Address]:
    found = []
    for match in BUILDING.finditer(text):
        address = _building(match)
        if address is not None:
            found.append(address)
    return found


def standalone_room(text: str) -> str | None:
    for match in STANDALONE_ROOM.finditer(text):
        room = _room(match.group("room") or match.group("room2") or match.group("room3"))
        if room:
            return room
    return None


def extract_address(transcript: Transcript) -> str | None:
    """The caller's own address: the fullest building mention, completed by a room said apart."""
    for speaker in ("caller", "agent"):
        text = "|".join(t.joined for t in transcript.side(speaker))
        found = candidates(text)
        if not found:
            continue
        best = max(found, key=lambda a: a.parts)  # max keeps the first of equals
        if best.room is None:
            room = standalone_room(text)
            if room:
                best = Address(best.building, best.kind, best.unit, room)
        return best.text()
    return None
