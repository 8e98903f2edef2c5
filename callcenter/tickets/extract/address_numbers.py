"""R4: how the numbers of an address are said and read: a room (五零一, 五百零一, 零九零六), a
small number for a building, a unit, a floor or a door, a room after its floor (十二楼零三 → 1203),
and the estate's parts said before a place: a phase, an area, a yard (二期, C区, 三号院, 东院).
The pieces of pattern every form shares are here too: the pause or 的 between parts, what keeps a
numeral from being a room.
"""

from __future__ import annotations

import re

from callcenter.tickets.extract.numerals import NUMERAL, NUMERAL_CHARS, numeral_value

# A room number is a numeral not followed by a word that makes it a floor, an amount or a time.
NOT_ROOM = (rf"(?![{NUMERAL_CHARS}])"
            r"(?!楼(?![下上道梯顶])|层|栋|幢|座|元|块|分|点|个|岁(?!数)|米|平|天|年(?!纪|龄)|月|次|期|号楼|单元|多|号线|"
            r"路|区|门(?![口卫岗禁铃锁面前外]))")
# Between the parts a caller may pause (the recogniser's turn break) or say 的: 一单元的四零二.
GAP = r"(?:的|\|)?"
# A phase (二期) or an area (C区, 三区, 东区) said before the building is part of the address.
AREA_NAME = rf"(?<![A-Za-z])[A-Za-z]|{NUMERAL}|[东西南北上下中]"
# A courtyard (北方的院: 三号院二号楼 → 3号院2号楼), or a yard named by its side where each yard
# numbers its own buildings (东院八号楼 → 东院8号楼), likewise.
ESTATE_PREFIX = (rf"(?:(?P<phase>{NUMERAL})期)?(?:(?P<area>{AREA_NAME})区(?!域))?"
                 rf"(?:(?:(?P<yard>{NUMERAL})号院|(?P<yard_side>[东西南北])院){GAP})?")


def room_number(spoken: str | None) -> str | None:
    value = numeral_value(spoken or "")
    if value is None or not 3 <= len(value) <= 4:
        return None
    # a room on a tower's ninth floor may be said with its zero (零九零六 → 0906); 零五 is no room
    return None if value.startswith("0") and not re.fullmatch(r"0[1-9]\d\d", value) else value


def small_number(spoken: str | None) -> str | None:
    value = numeral_value(spoken or "")
    return value if value and len(value) <= 3 and int(value) > 0 else None


def building_number(said: str) -> str | None:
    """A building's number as said: a letter (A, b → B) or a numeral (三 → 3); None if no number."""
    return said.upper() if said.isascii() and said.isalpha() else small_number(said)


def estate_part(phase: str | None, area: str | None) -> str | None:
    """二期 → 2期, C区 → C区, 三区 → 3区, 下区 → 下区; None if a numeral in it is not a number."""
    prefix = ""
    if phase:
        number = small_number(phase)
        if number is None:
            return None
        prefix += f"{number}期"
    if area:
        if area.isascii():
            prefix += f"{area.upper()}区"
        elif area in "东西南北上下中":
            prefix += f"{area}区"
        else:
            number = small_number(area)
            if number is None:
                return None
            prefix += f"{number}区"
    return prefix


def estate_prefix(match: re.Match[str]) -> str | None:
    said = match.groupdict()
    prefix = estate_part(said["phase"] or said.get("phase_after"), said["area"])
    if prefix is None or not said["yard"]:
        return f"{prefix}{said['yard_side']}院" if prefix is not None and said.get("yard_side") else prefix
    yard = small_number(said["yard"])
    return f"{prefix}{yard}号院" if yard else None


def room_after_floor(floor: str | None, spoken: str | None) -> str | None:
    """十二楼 + 一二零三 → 1203, 十二楼 + 零三 → 1203; a room that does not begin with its floor is
    not taken (三楼 五零二 is unclear)."""
    value = numeral_value(spoken or "")
    number = small_number(floor)
    if not value or not number:
        return None
    if len(value) == 2 and value.startswith("0"):
        return room_number(f"{number}{value}")
    return room_number(spoken) if value.startswith(number) else None
