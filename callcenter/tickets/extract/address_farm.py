"""R4: a state farm's staff compound, numbered by its production teams (队), their rows of houses (排)
and the houses in a row (号): 三队五排七号 → 3队5排7号. The caller may name the team first and the
row a few words on (三队那边的老职工房子 第五排七号), the row with 第 (二队第四排), or the team alone
(我们三队这边, 五队那边的路灯) when the matter is the team's own road or block.
"""

from __future__ import annotations

import re

from callcenter.tickets.extract.address_building import Address
from callcenter.tickets.extract.address_numbers import GAP, small_number
from callcenter.tickets.extract.numerals import NUMERAL, NUMERAL_CHARS

# A team is no team when it is a queue or a team of workers: 排了三队, 第三队, 一队人, 队长, 维修一队,
# 保洁二队, 施工三队, 保安一队, 消防二队, 车队.
_TEAM = rf"(?<![{NUMERAL_CHARS}第排修工洁安防警车逻球护])(?P<team>{NUMERAL})队(?![伍长员友人列])"
# The row said after the team, straight on or a few words on (no other number between), with its house.
_ROW = (rf"(?:(?P<between>[^|{NUMERAL_CHARS}队排号]{{0,10}}?)第?(?P<row>{NUMERAL})排(?![{NUMERAL_CHARS}]*队)"
        rf"(?:{GAP}第?(?P<n>{NUMERAL})号)?)?")
# A team said alone is the caller's place only as theirs or as a place: 我们三队, 住在五队, 我是三队的,
# 五队那边, 三队这边的路.
_OWN_BEFORE = r"(?:我们|咱们|我是|我家|住在?)$"
_PLACE_AFTER = r"(?:那边|这边|那里|这里|那块|那条)"
TEAM = re.compile(_TEAM + _ROW)


def read_team(match: re.Match[str], text: str) -> Address | None:
    team = small_number(match.group("team"))
    if team is None or len(team) > 2:
        return None
    if match.group("row"):
        row = small_number(match.group("row"))
        house = small_number(match.group("n")) if match.group("n") else None
        if row is None or len(row) > 2 or (match.group("n") and house is None):
            return None
        if house:
            return Address(f"{row}排{house}", "号", None, None, f"{team}队")
        return Address(row, "排", None, None, f"{team}队")
    after = text[match.end("team") + 1:]
    if re.search(_OWN_BEFORE, text[:match.start()]) or re.match(_PLACE_AFTER, after):
        return Address(team, "队", None, None)
    return None
