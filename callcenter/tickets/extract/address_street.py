"""R4: a flat above a shop on a street of shop-houses (骑楼, 老街): the house's number on the street and
the floor (十九号二楼 → 19号2楼). The caller may say the flat as upstairs of the house (二十三号楼上的)
and its floor apart (是二楼那个厨房): 23号2楼; upstairs without a floor said, the house (23号).
"""

from __future__ import annotations

import re

from callcenter.tickets.extract.address_building import UPSTAIRS, Address
from callcenter.tickets.extract.address_numbers import GAP, small_number
from callcenter.tickets.extract.numerals import NUMERAL, NUMERAL_CHARS

# The house's number, not a day (月十九号), nor a row's, a lane's, a zone's or a team's house (二排
# 十一号 is read with its row); the floor is no room's floor (十九号二楼二零一) and no stairs' or
# ceiling's (二楼梯, 二楼顶).
_HOUSE = rf"(?<![月日{NUMERAL_CHARS}排弄巷区组队])(?P<n>{NUMERAL})号"
_FLOOR_WORD = rf"楼(?![{NUMERAL_CHARS}号上下梯道顶])"
HOUSE_FLOOR = re.compile(rf"{_HOUSE}(?:{GAP}(?P<fl>{NUMERAL}){_FLOOR_WORD}|(?P<up>楼){UPSTAIRS})")
# The floor said apart from the house upstairs (是二楼那个厨房): a floor above the shop.
_FLOOR_APART = re.compile(rf"(?<![{NUMERAL_CHARS}号])(?P<fl>[二两三四五六七八九]){_FLOOR_WORD}")


def read_house_floor(match: re.Match[str], text: str) -> Address | None:
    house = small_number(match.group("n"))
    if house is None:
        return None
    if match.group("up"):
        apart = _FLOOR_APART.search(text, match.end())
        floor = small_number(apart.group("fl")) if apart else None
        return Address(f"{house}号{floor}楼" if floor else house, "" if floor else "号", None, None)
    floor = small_number(match.group("fl"))
    if floor is None or len(floor) > 2:
        return None
    return Address(f"{house}号{floor}楼", "", None, None)
