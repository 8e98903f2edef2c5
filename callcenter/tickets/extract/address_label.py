"""R4: the normal form in which a labeled address and the extracted one are compared: a label may
write the same place otherwise than the ticket does (a shop as said, 18号铺; a room with its 室 or
its 房; a door on its floor as 15楼3号 or 15-3; a basement level in words; a villa in a zone with or
without its 别墅), and the scorer reads both the same.
"""

from __future__ import annotations

import re

from callcenter.tickets.extract.address_places import SHOP_WORDS
from callcenter.tickets.extract.numerals import numeral_value

# 15-3, 15楼3号 and 15层3号: the flat 1503
_FLOOR_DASH_DOOR = re.compile(r"(?<![\d-])(?P<fl>\d{1,2})(?:-|(?<!号)[楼层])(?P<door>\d{1,2})号?$")
# A basement level written in words or in digits (负二层, 地下一层车库 / 负2层): the same level.
_LEVEL_IN_WORDS = re.compile(r"(?<=负|下)(?P<n>[一二两三四五六七八九])(?=层|楼)")
# A floor's side of the landing as 4楼东户, 4层东户, 4楼东边户 or 4楼东 (the side without 户): the same flat.
_LANDING = re.compile(r"(?<=\d)[楼层](?P<side>[东西中])边?户?$")
_SHOP_AS_SAID = re.compile(rf"(?P<area>.*?)(?P<n>\d+)号(?P<word>{SHOP_WORDS}|铺)$")


def address_label(label: str) -> str:
    """The normal form of an address as a label writes it: a shop as said (18号铺, 西区15号商铺,
    6号门市) → 商铺18号, 西区商铺15号, 门市6号, as the extraction writes shops, and a shop called
    by its front (7号铺面, 铺面7号) → 商铺7号: 铺, 铺面 and 商铺 are the one shop; a room with its
    室 or 房 (301室, 1826房 → 301, 1826); a villa in a zone (C区26号别墅 → C区26号: every house in
    the zone is a villa); a door on its floor (15-3, 15楼3号 → 1503, the same flat); a basement
    level in digits (负二层 → 负2层); a side of the landing (4层东边户, 4楼东 → 4楼东户)."""
    label = _LEVEL_IN_WORDS.sub(lambda m: numeral_value(m.group("n")) or m.group("n"), label)
    label = label.replace("铺面", "商铺")
    label = re.sub(r"(?<=区)(?P<house>\d{1,3}号)别墅$", r"\g<house>", label)
    shop = _SHOP_AS_SAID.fullmatch(label)
    if shop:
        word = shop.group("word")
        return f"{shop.group('area')}{'商铺' if word == '铺' else word}{shop.group('n')}号"
    label = re.sub(r"(?<=\d)[室房]$", "", label)  # 301室, 1826房: the room
    label = _LANDING.sub(lambda m: f"楼{m.group('side')}户", label)
    return _FLOOR_DASH_DOOR.sub(lambda m: f"{m.group('fl')}{int(m.group('door')):02d}", label)
