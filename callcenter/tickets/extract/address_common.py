"""R4: two places named by the buildings around them, said by a caller who gives no flat of their own.

A stretch between two buildings (五栋到七栋中间那段梯坎, 三栋跟四栋中间那座天桥): the matter is on it,
not in either building, so the ticket names the stretch as the caller says it (``5栋到7栋中间梯坎``,
``3栋跟4栋中间天桥``), with the word joining the buildings and the word for between kept.
A shop keeper naming their shop by its building, perhaps its floor, and its trade (一幢底下那个茶馆的老板,
一栋一楼临马路那间茶铺的老马): the shop is the caller's place (``1幢茶馆``, ``1栋1楼茶铺``); a shop
with its number (九栋底商一零二) is read with the building.
"""

from __future__ import annotations

import re

from callcenter.tickets.extract.address_numbers import building_number, small_number
from callcenter.tickets.extract.numerals import NUMERAL, NUMERAL_CHARS

_KINDS = {"栋": "栋", "动": "栋", "幢": "幢", "座": "座", "号楼": "号楼"}
_KIND = "|".join(sorted(_KINDS, key=len, reverse=True))
_NUMBER = rf"(?<![{NUMERAL_CHARS}A-Za-z])(?:{NUMERAL}|[A-Z])"
# What lies between buildings that a caller can stand on or pass under.
_STRETCH = ("梯坎|天桥|连廊|过道|通道|小路|路|空地|花园|绿化带|草坪|台阶|楼梯|坡|广场|巷子")
_BETWEEN = re.compile(rf"(?P<a>{_NUMBER})(?P<ka>{_KIND})(?P<join>到|跟|和|与)(?P<b>{_NUMBER})(?P<kb>{_KIND})"
                      rf"(?P<mid>中间|之间)(?:那段|那座|那条|那个|那块|那片|的)?(?P<place>{_STRETCH})(?!灯)")
# The keeper saying who they are (我是…): their shop's building, perhaps its floor, a few words on where it
# stands, its trade; not a caller speaking of a shop's keeper (三栋楼下那个饭店的老板天天占道).
_SHOP_KEEPER = re.compile(rf"(?:我|俺)(?:就|们)?(?:是|系)[^|，。]{{0,8}}?"
                          rf"(?P<b>{_NUMBER})(?P<k>{_KIND})(?:(?P<fl>{NUMERAL})楼)?[^|，。的]{{0,6}}?"
                          r"(?:那个|那间|那家)(?P<shop>[\u4e00-\u9fff]{1,3}?(?:店|铺|馆)|超市|小卖部)的"
                          r"(?:老板|店主|老[\u4e00-\u9fff])")


def between_buildings(text: str) -> str | None:
    for match in _BETWEEN.finditer(text):
        a, b = building_number(match.group("a")), building_number(match.group("b"))
        if a and b:
            return (f"{a}{_KINDS[match.group('ka')]}{match.group('join')}{b}{_KINDS[match.group('kb')]}"
                    f"{match.group('mid')}{match.group('place')}")
    return None


def shop_of_its_keeper(text: str) -> str | None:
    for match in _SHOP_KEEPER.finditer(text):
        building = building_number(match.group("b"))
        floor = small_number(match.group("fl")) if match.group("fl") else ""
        if building and floor is not None:
            return f"{building}{_KINDS[match.group('k')]}{f'{floor}楼' if floor else ''}{match.group('shop')}"
    return None
