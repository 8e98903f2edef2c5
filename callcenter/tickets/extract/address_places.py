"""R4: the places that are not a numbered building's flat: houses in rows or a village's groups (2区4排7号,
3组21号), shops (东区商铺118号, 门市6号), courtyards (3号院5号), villas in a zone or a terrace (C区15号,
联排12号), a flat by floor and door in a building without a number (12楼5号), lane houses (230弄12号301),
parking spaces (负2楼156号车位, under a tower 3座负2楼107号车位), a wing without a number (裙楼106); and,
where no place is named, a common place (地下二层, 车库, 2号电梯, B区), a part of the estate the caller
calls theirs (我们五区, 三期的), or the area or the floor where the matter is (二区后头的路灯 → 2区).
"""

from __future__ import annotations

import re

from callcenter.tickets.extract.address_building import Address
from callcenter.tickets.extract.address_numbers import (
    AREA_NAME,
    ESTATE_PREFIX,
    GAP,
    NOT_ROOM,
    building_number,
    estate_part,
    estate_prefix,
    room_after_floor,
    room_number,
    small_number,
)
from callcenter.tickets.extract.numerals import NUMERAL, NUMERAL_CHARS, numeral_value

# Houses in rows (安置房, old compounds) or in a village's groups, after the estate's parts as a
# building: 二区四排七号 → 2区4排7号, 三组二十一号 → 3组21号. A row's house may be said apart (三区二排
# … 我是十一号的); a row or a group said alone is a count (一排车, 一组桶), not a place.
ROW = re.compile(rf"{ESTATE_PREFIX}(?<!第)(?P<row>{NUMERAL})(?P<rw>排|组)(?P<n>{NUMERAL})号")
ROW_ALONE = re.compile(rf"{ESTATE_PREFIX}(?<!第)(?P<row>{NUMERAL})(?P<rw>排)"
                       rf"(?![{NUMERAL_CHARS}]+号|队|水|查)")
# A shop in a row of them, numbered on its own: 东区商铺一一八号, 底商十二号, 西区十五号铺 (商铺15号),
# the north-east's 门市 (六号门市 → 门市6号). The word after the number names what is numbered
# (底商十八号门市 → 门市18号); 铺 alone is a 商铺.
SHOP_WORDS = "商铺|底商|门市|门面|铺面"
_NOT_A_HOUSE = rf"楼|线|别墅|铺|{SHOP_WORDS}"  # 十二号楼, 五号线, 六号门市: not a house's number
_SHOP_AREA = rf"(?P<area>[东西南北]区|(?<![A-Za-z])[A-Za-z]区|{NUMERAL}区)?"
SHOP = re.compile(rf"{_SHOP_AREA}(?:(?P<kind>{SHOP_WORDS})(?P<n>{NUMERAL})号(?P<after>{SHOP_WORDS})?|"
                  rf"(?P<n2>{NUMERAL})号(?P<kind2>{SHOP_WORDS}|铺(?![子盖])))")
# A courtyard named without a building in it (a Beijing 大杂院): 三号院 → 3号院, and its door, 三号院
# 五号 → 3号院5号 (not a day, a gate or a lift).
YARD = re.compile(rf"(?P<yard>{NUMERAL})号院(?:{GAP}(?P<n>{NUMERAL})号"
                  rf"(?!{_NOT_A_HOUSE}|门|口|电梯|梯|[上下中晚早凌]|之?[前后]|以[前后]))?")
# What follows a house's number when it is not a house: a day (五号下午), a time, a lift, a space.
_NOT_A_DOOR = (rf"(?!{_NOT_A_HOUSE}|门|口|电梯|梯|车位|岗|机|井|窗|[上下中晚早凌]|之?[前后]|以[前后]|那|左右|"
               r"开始|到|至|来|去)")
# Houses in a zone of villas, numbered on their own: C区十五号 → C区15号 (not C区十五号楼, nor a
# space in a garage's zone: 负一层D区三零六号).
ZONE_HOUSE = re.compile(rf"(?<![层楼库])(?P<area>{AREA_NAME})区{GAP}(?P<n>{NUMERAL})号{_NOT_A_DOOR}")
# A flat said as its floor and its door where the building has no number (商住楼 十二楼五号 → 12楼5号).
FLOOR_AND_DOOR = re.compile(rf"(?<![{NUMERAL_CHARS}号负])(?P<fl>{NUMERAL})(?P<w>楼|层)"
                            rf"(?P<door>{NUMERAL})号{_NOT_A_DOOR}")
# Houses in a terrace or stacked villas, numbered on their own: 联排十二号 → 联排12号, 叠拼五号 → 叠拼5号.
HOUSE = re.compile(rf"(?P<kind>联排|叠拼)(?:别墅)?(?:的)?(?P<n>{NUMERAL})号(?!楼)")
# Lane houses (Shanghai's 里弄, an urban village's 巷): the lane, the house and perhaps its room
# (二百三十弄 十二号 三零一室 → 230弄12号301, 三巷二十一号 → 3巷21号), in the caller's word for a lane,
# perhaps a lane in a lane (四百弄十二支弄五号, 三巷五弄十二号); a house and its room said with 室
# (十二号 三零一室 → 12号301). The room may follow its floor (四十五号 三楼 三零二室 → 45号302).
LANE_WORD = "支弄|弄|巷"
_LANES = rf"(?:{NUMERAL}(?:{LANE_WORD}){GAP})?{NUMERAL}(?:{LANE_WORD})"
LANE = re.compile(rf"(?:(?P<lanes>{_LANES}){GAP})?(?P<n>{NUMERAL})号(?!{_NOT_A_HOUSE})"
                  rf"(?:{GAP}(?:{NUMERAL}(?:楼|层){GAP})?(?P<room>{NUMERAL}{NOT_ROOM})(?P<shi>室)?)?")
# A lane named on its own (六十四弄的, 我们九十九弄要旧改, 七巷的); its house may be said apart (十号门口).
LANE_ALONE = re.compile(rf"(?P<lanes>{_LANES})(?!堂|子)(?![{NUMERAL_CHARS}]+号)")
# A house number said apart from its lane: not a month's day (月二十号), a time, a building or a lift,
# nor a neighbour's house that something reaches (水都淌到三号门口了: the matter is not there).
HOUSE_APART = re.compile(rf"(?<![月{NUMERAL_CHARS}弄巷排到])(?P<n>{NUMERAL})号"
                         rf"(?!{_NOT_A_HOUSE}|电梯|梯|车位|岗|机|井|窗|"
                         r"[上下中晚早凌]|之?[前后]|以[前后]|那|左右|开始|到|至|来|去)")
# A parking space on its level (负二楼 我的车位 幺五六号, 负二层 一零八号车位 → 负2楼156号车位).
# The level may be said B二 or 地下车库, an area may stand between (负一层 A区 二零八号车位 →
# 负1层A区208号车位), 车位 may come first (车位是负一层 …).
_PARKING_AREA = r"(?:的)?(?:(?P<area>(?<![A-Za-z])[A-Za-z]|[东西南北])区)?(?:的)?"
PARKING = re.compile(rf"(?P<first>车位(?:是|在)?)?"
                     rf"(?:(?P<tower>(?<![A-Za-z])[A-Za-z]|{NUMERAL})(?P<tw>座|栋|号楼)的?)?"
                     rf"(?:(?:负|地下|(?<![A-Za-z])[Bb])(?P<n>[{NUMERAL_CHARS}]{{1,2}})(?P<w>楼|层)|"
                     rf"(?P<garage>地下车库|车库)){_PARKING_AREA}"
                     rf"(?:(?P<pre>[^|]{{0,4}}?车位)(?:是)?(?P<space>{NUMERAL})号|"
                     rf"(?P<space2>{NUMERAL})号车位|(?P<space3>{NUMERAL})号(?!楼|梯|电梯))")
# A wing of a building that has no number of its own (the podium of office towers, an annex): the wing
# and its room (裙楼幺零六, 裙楼一层幺幺五 → 裙楼115) or its floor (裙楼二层 → 裙楼2层).
WING = re.compile(rf"(?P<wing>裙楼|副楼|配楼|附楼)的?(?:(?P<fl>{NUMERAL})(?:楼|层))?{GAP}"
                  rf"(?:(?P<room>{NUMERAL}){NOT_ROOM})?")
# A common place when no building is named: a basement level, the garage.
PLACE = re.compile(rf"(?:(?P<phase>{NUMERAL})期)?"
                   rf"(?P<place>(?:地下|负)[{NUMERAL_CHARS}]{{1,2}}层(?:车库)?|地下车库)")
# A numbered lift in a block of one building (康乐公寓二号电梯 停在三楼): where help goes when no
# building is named.
LIFT = re.compile(rf"(?<![{NUMERAL_CHARS}])(?P<n>{NUMERAL})号(?P<w>电梯|梯(?![子坎]))")
AREA = re.compile(rf"(?P<area>(?<![A-Za-z])[A-Za-z]|(?<![{NUMERAL_CHARS}])[一二三四五六七八九十])区")
# A phase, an area or a row of houses said as the caller's own (我们五区, 你们二区, 俺是六排的, 姓卢
# 三期的), in any call; read on the caller's words as Mandarin (dialect.mandarin: 俺, 额 → 我).
OWN_PART = re.compile(rf"(?:我们|咱们|你们|我家|我是|住在?)"
                      rf"(?:(?P<phase>{NUMERAL})期|(?P<area>{AREA_NAME})区(?!域)|"
                      rf"(?P<row>{NUMERAL})排(?![{NUMERAL_CHARS}]))|"
                      rf"(?:(?P<phase2>{NUMERAL})期|(?P<area2>{AREA_NAME})区)的(?=\||$)")


def read_shop(match: re.Match[str]) -> Address | None:
    number = small_number(match.group("n") or match.group("n2"))
    if number is None:
        return None
    area = match.group("area") or ""
    if area and area[0] not in "东西南北":
        number = area[0].upper() if area[0].isascii() else small_number(area[:-1])
        area = f"{number}区" if number else ""
    word = match.group("after") or match.group("kind") or match.group("kind2")
    return Address(f"{'商铺' if word == '铺' else word}{number}", "号", None, None, area)


def read_yard(match: re.Match[str]) -> Address | None:
    yard, door = small_number(match.group("yard")), small_number(match.group("n") or "")
    if yard is None:
        return None
    return Address(f"{yard}号院{door}", "号", None, None) if door else Address(f"{yard}号院", "", None, None)


def read_house(match: re.Match[str]) -> Address | None:
    number = small_number(match.group("n"))
    return Address(f"{match.group('kind')}{number}", "号", None, None) if number else None


def read_zone_house(match: re.Match[str]) -> Address | None:
    area, number = estate_part(None, match.group("area")), small_number(match.group("n"))
    return Address(number, "号", None, None, area) if area and number else None


def read_floor_and_door(match: re.Match[str]) -> Address | None:
    floor, door = small_number(match.group("fl")), small_number(match.group("door"))
    if not (floor and door and len(floor) <= 2 and len(door) <= 2):
        return None
    return Address(f"{floor}{match.group('w')}{door}", "号", None, None)


def _lanes(said: str) -> str | None:
    """四百弄十二支弄 → 400弄12支弄; None if a lane's numeral is not a lane's number."""
    lanes = [(numeral_value(n) or "", word) for n, word in re.findall(rf"({NUMERAL})({LANE_WORD})", said)]
    if not all(n.isdigit() and 0 < int(n) < 10000 for n, _ in lanes):
        return None
    return "".join(f"{n}{word}" for n, word in lanes)


def read_lane(match: re.Match[str]) -> Address | None:
    """A lane house; a house number without its lane only with a room said with 室 (not a date)."""
    lanes = _lanes(match.group("lanes")) if match.group("lanes") else ""
    number, room = small_number(match.group("n")), room_number(match.group("room"))
    if number is None or lanes is None or (not lanes and not (room and match.group("shi"))):
        return None
    return Address(f"{lanes}{number}", "号", None, room)


def read_lane_alone(match: re.Match[str]) -> Address | None:
    lanes = _lanes(match.group("lanes"))
    return Address(lanes, "", None, None) if lanes else None


def read_parking(match: re.Match[str]) -> Address | None:
    if match.group("space3") and not match.group("first"):
        return None  # 负一楼 三号电梯 / 负二层 五号: a space only when 车位 is said
    space = small_number(match.group("space") or match.group("space2") or match.group("space3"))
    area = f"{match.group('area').upper()}区" if match.group("area") else ""
    tower = _tower(match.group("tower"))
    if space is None or tower is None:
        return None
    under = f"{tower}{match.group('tw')}" if tower else ""  # 三座负二楼一零七号: the tower it is under
    if match.group("garage"):
        return Address(f"{match.group('garage')}{area}{space}号车位", "", None, None, under)
    level = small_number(match.group("n"))
    if level is None or len(level) > 1:
        return None
    return Address(f"负{level}{match.group('w')}{area}{space}号车位", "", None, None, under)


def _tower(said: str | None) -> str | None:
    """A → A, 三 → 3, not said → ''; None if the numeral is no building's number."""
    if not said:
        return ""
    return building_number(said)


def read_row(match: re.Match[str]) -> Address | None:
    row, area, house = small_number(match.group("row")), estate_prefix(match), match.groupdict().get("n")
    if row is None or area is None:
        return None
    if house is None:  # a row alone: a place only with its house said apart (_with_its_house)
        return Address(f"{row}{match.group('rw')}", "", None, None, area)
    number = small_number(house)
    return Address(f"{row}{match.group('rw')}{number}", "号", None, None, area) if number else None


def read_wing(match: re.Match[str]) -> Address | None:
    said_floor, said_room = match.group("fl"), match.group("room")
    floor = small_number(said_floor) if said_floor else None
    room = room_after_floor(said_floor, said_room) if floor else room_number(said_room)
    if not (room or floor):
        return None
    return Address(match.group("wing"), "", None, room, floor=None if room else floor)


def own_part(text: str) -> str | None:
    """An estate's phase, area or row the caller calls theirs (我们五区 → 5区, 三期的 → 3期,
    俺们三排 → 3排)."""
    for match in OWN_PART.finditer(text):
        row = small_number(match.group("row") or "")
        if row:
            return f"{row}排"
        part = estate_part(match.group("phase") or match.group("phase2"),
                           match.group("area") or match.group("area2"))
        if part:
            return part
    return None


def common_place(text: str) -> str | None:
    """A basement level or the garage (地下二层, 2期负一层车库), a numbered lift (2号电梯), else an
    area alone (B区)."""
    place = PLACE.search(text)
    if place:
        phase = small_number(place.group("phase")) if place.group("phase") else None
        return f"{phase + '期' if phase else ''}{place.group('place')}"
    for lift in LIFT.finditer(text):
        number = small_number(lift.group("n"))
        if number:
            return f"{number}号{lift.group('w')}"
    area = AREA.search(text)
    if area:
        name = area.group("area")
        return f"{name.upper() if name.isascii() else small_number(name)}区"
    return None


# An area named as where the matter is, by a place in it (二区后头那条路的路灯, C区门口的垃圾站): the
# area is the ticket's address when no building is named; not a garage's area (车库B区那边, 负一层C区).
_AREA_OF_THE_MATTER = re.compile(rf"(?<![层楼库场{NUMERAL_CHARS}])(?P<area>{AREA_NAME})区的?"
                                 r"(?:后头|后面|后边|前头|前面|前边|门口|那边|这边|旁边|里头|里面|那头|那块)")


# A zone of a villa estate where the caller has their home, said without the house (山庄六区那边有套
# 别墅, 六区的房子): the zone is the caller's address, as a zone they call theirs (我们六区) is.
_ZONE_OF_A_HOME = re.compile(rf"(?P<area>{AREA_NAME})区(?!域)(?:那边|这边|那里)?(?:有|的)一?(?:套|栋|间)?"
                             r"(?:房子|别墅|房(?![租东费])|屋)")


def _first_area(pattern: re.Pattern[str], text: str) -> str | None:
    for match in pattern.finditer(text):
        part = estate_part(None, match.group("area"))
        if part:
            return part
    return None


def area_of_the_matter(text: str) -> str | None:
    """二区后头那条路上的路灯坏了 → 2区: the area the caller names the matter's place by."""
    return _first_area(_AREA_OF_THE_MATTER, text)


def zone_of_a_home(text: str) -> str | None:
    """山庄六区那边有套别墅 → 6区: the zone where the caller has their home (R4)."""
    return _first_area(_ZONE_OF_A_HOME, text)


# The caller's own floor (我住三楼的, 我家在五楼) and a floor named anywhere (三楼楼道的灯).
_OWN_FLOOR = re.compile(rf"(?:住|住在|我家住?在?|我是)(?P<fl>{NUMERAL})(?:楼|层)"
                        rf"(?![{NUMERAL_CHARS}上下道梯顶])")
_A_FLOOR = re.compile(rf"(?<![{NUMERAL_CHARS}号负])(?P<fl>{NUMERAL})(?:楼|层)(?![{NUMERAL_CHARS}])")


def floor_of_the_matter(text: str) -> str | None:
    """A floor said as the caller's and named again where the matter is (我住三楼的 … 三楼楼道灯也坏了
    → 3楼) when no building is named: a floor said once (我家住二十八楼 上下楼要命了, when the whole
    estate's power is off) is where the caller lives, not where the matter is."""
    for own in _OWN_FLOOR.finditer(text):
        floor = small_number(own.group("fl"))
        again = [m for m in _A_FLOOR.finditer(text)
                 if m.start() >= own.end() and small_number(m.group("fl")) == floor]
        if floor and len(floor) <= 2 and again:
            return f"{floor}楼"
    return None
