"""R4: the caller's address, normalised as ``3栋2单元501``, ``12号楼102``, ``5幢302``, ``B座1803``,
or in the caller's own words for the parts of a place: ``3-2-501`` (the north-east's 三杠二杠五零一),
``3巷21号`` and ``230弄12号`` (lanes), ``2区4排7号`` and ``3组21号`` (rows, a village's groups), ``门市6号``.

Buildings, units and rooms are spoken as Chinese numerals (幺 = 1, 两 = 2), rooms digit by digit
(五 零 一) or as numbers (五百零一), or as floor and door (十二 楼 零 三 = 1203). The recogniser often
writes a homophone for the building word (动/洞 for 栋, 撞 for 幢, 做/坐 for 座, 单园 for 单元); a
numeral before it makes the reading safe. Estates also number their parts otherwise, and the
address keeps their words: a phase or an area before the building (``2期8栋1203``, ``B区3幢``,
``3区12号楼``), old estates' doors for units (``12号楼2门502``), villas (``28号别墅``), towers with a
floor (``11座7层``), shops (``东区商铺118号``), a yard named by its side (``东院8号楼``), works'
dormitories (``3号宿舍楼216``), villas in a zone (``C区15号``). Where flats have no numbers a flat is
its floor and its side of the landing (``5号楼3门3楼东户``); in a building of one name, its floor
and door (``12楼5号``). A floor said alone is not kept: most labels leave it out. A caller who
names no building may name a common place (``地下二层``, ``2期负一层车库``) or only an area (``B区``):
kept for an emergency (R19), where it is where help goes; a place named in passing in any other call
is not the caller's address, but a part the caller calls theirs is (``3期``, ``6排``).
How a label may write the same place otherwise is in ``address_label``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from callcenter.tickets.extract.dialect import mandarin
from callcenter.tickets.extract.numerals import NUMERAL, NUMERAL_CHARS, numeral_value
from callcenter.tickets.extract.urgent import is_emergency
from callcenter.tickets.transcript import Transcript

# A works, a campus or a serviced block names its buildings by use (三号宿舍楼二一六, 二号公寓楼): kept.
_NAMED_BY_USE = ("宿舍楼", "公寓楼", "住宅楼", "办公楼", "综合楼", "教学楼")
_BUILDING_WORDS = {"栋": "栋", "动": "栋", "洞": "栋", "号楼": "号楼", "号搂": "号楼", "幢": "幢", "撞": "幢",
                   "座": "座", "做": "座", "坐": "座", "号别墅": "号别墅",
                   "号宿舍": "号宿舍楼"} | {f"号{use}": f"号{use}" for use in _NAMED_BY_USE}
_KIND = "|".join(sorted(_BUILDING_WORDS, key=len, reverse=True))
# Old estates number a building's stairways as doors (二门), not units; not 门口, 门卫, 门禁 ….
_UNIT_WORDS = {"单元": "单元", "单园": "单元", "单员": "单元", "担元": "单元", "门": "门"}
_UNIT = r"(?P<uw>单元|单园|单员|担元|门(?![口卫岗禁铃锁面前外]))"
# A room number is a numeral not followed by a word that makes it a floor, an amount or a time.
_NOT_ROOM = (rf"(?![{NUMERAL_CHARS}])"
             r"(?!楼(?![下上道梯顶])|层|栋|幢|座|元|块|分|点|个|岁|米|平|天|年(?!纪|龄)|月|次|期|号楼|单元|多|号线|"
             r"路|区|门(?![口卫岗禁铃锁面前外]))")
# Between the parts a caller may pause (the recogniser's turn break) or say 的: 一单元的四零二.
_GAP = r"(?:的|\|)?"
# A phase (二期) or an area (C区, 三区, 东区) said before the building is part of the address.
_AREA_NAME = rf"(?<![A-Za-z])[A-Za-z]|{NUMERAL}|[东西南北上下中]"
# A courtyard (北方的院: 三号院二号楼 → 3号院2号楼), or a yard named by its side where each yard
# numbers its own buildings (东院八号楼 → 东院8号楼), likewise.
_PREFIX = (rf"(?:(?P<phase>{NUMERAL})期)?(?:(?P<area>{_AREA_NAME})区(?!域))?"
           rf"(?:(?:(?P<yard>{NUMERAL})号院|(?P<yard_side>[东西南北])院){_GAP})?")
_SPELLED = "[零〇一幺二两三四五六七八九]"
# A room said straight before the caller's mobile runs into it (五零一幺三九…): the room is what
# comes before the mobile's eleven digits; a building said straight after it (…九四二七号楼) is what
# comes after them.
_MOBILE_RUN = "[一幺1][三四五六七八九3-9][零〇一幺二两三四五六七八九0-9]{9}"
_MOBILE = rf"{_MOBILE_RUN}(?![{NUMERAL_CHARS}])"
# The room, perhaps after its floor (十二楼一二零三, 十二楼零三); a room said digit by digit may run
# into a month (一九幺幺月底: no month is said digit by digit), or
# into the next numeral (二零一|一楼, 三零一|二期) or, with a 零, into 个 (一零四个: Shanghai's 的).
# The floor said straight after a room said digit by digit: 零五楼 or 二十楼 (A座二零幺幺二十楼 → A座2011).
_FLOOR_AFTER = rf"(?:{_SPELLED}{{1,2}}|[一二三四五六七八九]?十[一二三四五六七八九]?)"
# A shop on a building's ground floor is the building and its number (八栋一楼底商一零六 → 8栋106).
_PREMISES = r"(?:底商|商铺|门面|铺面|铺位)"
# A door on its floor as some cities write it (十五楼三号, 十五杠三 → 15-3); the same flat as 1503.
# 十二楼四号楼上那家: 楼上 is upstairs, not a building 4号楼.
_FLOOR_DOOR = (rf"(?P<fd_fl>{NUMERAL})(?:(?:楼|层)(?P<fd_door>{NUMERAL})号(?!楼(?![上下]))|"
               rf"杠(?P<fd_dash>{NUMERAL}))")
# The north-east says a flat as building, unit and room joined by 杠 (三杠二杠五零一 → 3-2-501), some
# with the phase first (二杠三杠二杠五零一) or before (二期三杠二杠五零一 → 2期3-2-501); the flat is
# written as said, with dashes. The room may run into its floor said after it (二杠四杠幺零幺一楼).
# The recogniser may write 杠 as a word that sounds like it (刚, 钢, 港, 岗), or the dash itself.
_DASH = "(?:杠|刚|钢|港|岗|-|\uff0d)"
DASHED = re.compile(rf"{_PREFIX}(?<![{NUMERAL_CHARS}杠刚钢港岗\-\uff0d])"
                    rf"(?P<parts>(?:{NUMERAL}{_DASH}){{2,3}})"
                    rf"(?:(?P<room_run>{_SPELLED}{{3,4}}?)(?={_SPELLED}{{1,2}}(?:楼|层)|{_MOBILE})|"
                    rf"(?P<room>{NUMERAL}){_NOT_ROOM})")
# Old housing numbers the doors of a building (五幢十二号 → 5幢12号); not a day (五栋的十二号下午), a
# gate (十号楼三号门口) or a lift (十栋二号电梯).
_DOOR = (rf"(?P<door>{NUMERAL})号(?!楼|线|别墅|铺|商铺|门|口|电梯|梯|车位|岗|机|井|窗|"
         r"[上下中晚早凌]|之?[前后]|以[前后]|那|左右|开始|到|至|来|去)")
# A door may have its rooms (七幢十四号 三零一室 → 7幢14号301).
# Where flats have no numbers a flat is its floor and its side of the landing (三楼东户, 四层西边户,
# 六楼中户): most labels keep both, and a repairman sent up the stairway needs both to find the door.
_LANDING = rf"(?P<ld_fl>{NUMERAL})(?:楼|层){_GAP}(?P<ld_side>[东西中])边?户"
_ROOM = (rf"{_LANDING}|{_FLOOR_DOOR}|{_DOOR}(?:{_GAP}(?P<door_room>{NUMERAL}){_NOT_ROOM})?|"
         rf"(?:(?P<fl>{NUMERAL})(?:楼|层))?{_GAP}(?:{_PREMISES}{_GAP})?"
         rf"(?:(?P<room_mo>{_SPELLED}{{3,4}})(?=月)|(?P<room_ph>{_SPELLED}{{3,4}}?)(?={_MOBILE})|"
         rf"(?P<room>{NUMERAL}{_NOT_ROOM})|(?P<room_run>{_SPELLED}{{3,4}}?)(?={_FLOOR_AFTER}(?:楼|期|区))"
         rf"|(?P<room_ge>{_SPELLED}*零{_SPELLED}*)(?=个))"
         rf"|(?P<floor>{NUMERAL})层")
BUILDING = re.compile(
    rf"{_PREFIX}"
    rf"(?P<b>(?<![A-Za-z])[A-Za-z](?=座|做|坐|栋|幢|号楼)|(?:(?<![A-Za-z])[A-Za-z])?{NUMERAL})(?P<kind>{_KIND})"
    rf"(?:{_GAP}(?P<u>{NUMERAL}){_UNIT})?"
    rf"(?:{_GAP}(?:{_ROOM}))?"
    rf"(?:(?P<phase_after>{NUMERAL})期)?"  # 九栋二单元三零一二期的: the phase said after
)
# Houses in rows (安置房, old compounds) or in a village's groups, after the estate's parts as a
# building: 二区四排七号 → 2区4排7号, 三组二十一号 → 3组21号. A row's house may be said apart (三区二排
# … 我是十一号的); a row or a group said alone is a count (一排车, 一组桶), not a place.
ROW = re.compile(rf"{_PREFIX}(?<!第)(?P<row>{NUMERAL})(?P<rw>排|组)(?P<n>{NUMERAL})号")
ROW_ALONE = re.compile(rf"{_PREFIX}(?<!第)(?P<row>{NUMERAL})(?P<rw>排)(?![{NUMERAL_CHARS}]+号|队|水|查)")
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
YARD = re.compile(rf"(?P<yard>{NUMERAL})号院(?:{_GAP}(?P<n>{NUMERAL})号"
                  rf"(?!{_NOT_A_HOUSE}|门|口|电梯|梯|[上下中晚早凌]|之?[前后]|以[前后]))?")
# What follows a house's number when it is not a house: a day (五号下午), a time, a lift, a space.
_NOT_A_DOOR = (rf"(?!{_NOT_A_HOUSE}|门|口|电梯|梯|车位|岗|机|井|窗|[上下中晚早凌]|之?[前后]|以[前后]|那|左右|"
               r"开始|到|至|来|去)")
# Houses in a zone of villas, numbered on their own: C区十五号 → C区15号 (not C区十五号楼, nor a
# space in a garage's zone: 负一层D区三零六号).
ZONE_HOUSE = re.compile(rf"(?<![层楼库])(?P<area>{_AREA_NAME})区{_GAP}(?P<n>{NUMERAL})号{_NOT_A_DOOR}")
# A flat said as its floor and its door where the building has no number (商住楼 十二楼五号 → 12楼5号).
FLOOR_AND_DOOR = re.compile(rf"(?<![{NUMERAL_CHARS}号负])(?P<fl>{NUMERAL})(?P<w>楼|层)"
                            rf"(?P<door>{NUMERAL})号{_NOT_A_DOOR}")
# Houses in a terrace or stacked villas, numbered on their own: 联排十二号 → 联排12号, 叠拼五号 → 叠拼5号.
HOUSE = re.compile(rf"(?P<kind>联排|叠拼)(?:别墅)?(?:的)?(?P<n>{NUMERAL})号(?!楼)")
# Lane houses (Shanghai's 里弄, an urban village's 巷): the lane, the house and perhaps its room
# (二百三十弄 十二号 三零一室 → 230弄12号301, 三巷二十一号 → 3巷21号), in the caller's word for a lane,
# perhaps a lane in a lane (四百弄十二支弄五号, 三巷五弄十二号); a house and its room said with 室
# (十二号 三零一室 → 12号301). The room may follow its floor (四十五号 三楼 三零二室 → 45号302).
_LANE_WORD = "支弄|弄|巷"
_LANES = rf"(?:{NUMERAL}(?:{_LANE_WORD}){_GAP})?{NUMERAL}(?:{_LANE_WORD})"
LANE = re.compile(rf"(?:(?P<lanes>{_LANES}){_GAP})?(?P<n>{NUMERAL})号(?!{_NOT_A_HOUSE})"
                  rf"(?:{_GAP}(?:{NUMERAL}(?:楼|层){_GAP})?(?P<room>{NUMERAL}{_NOT_ROOM})(?P<shi>室)?)?")
# A lane named on its own (六十四弄的, 我们九十九弄要旧改, 七巷的); its house may be said apart (十号门口).
LANE_ALONE = re.compile(rf"(?P<lanes>{_LANES})(?!堂|子)(?![{NUMERAL_CHARS}]+号)")
# A house number said apart from its lane: not a month's day (月二十号), a time, a building or a lift.
HOUSE_APART = re.compile(rf"(?<![月{NUMERAL_CHARS}弄巷排])(?P<n>{NUMERAL})号"
                         rf"(?!{_NOT_A_HOUSE}|电梯|梯|车位|岗|机|井|窗|"
                         r"[上下中晚早凌]|之?[前后]|以[前后]|那|左右|开始|到|至|来|去)")
# A parking space on its level (负二楼 我的车位 幺五六号, 负二层 一零八号车位 → 负2楼156号车位).
# The level may be said B二 or 地下车库, an area may stand between (负一层 A区 二零八号车位 →
# 负1层A区208号车位), 车位 may come first (车位是负一层 …).
_PARKING_AREA = r"(?:的)?(?:(?P<area>(?<![A-Za-z])[A-Za-z]|[东西南北])区)?(?:的)?"
PARKING = re.compile(rf"(?P<first>车位(?:是|在)?)?"
                     rf"(?:(?:负|地下|(?<![A-Za-z])[Bb])(?P<n>[{NUMERAL_CHARS}]{{1,2}})(?P<w>楼|层)|"
                     rf"(?P<garage>地下车库|车库)){_PARKING_AREA}"
                     rf"(?:(?P<pre>[^|]{{0,4}}?车位)(?:是)?(?P<space>{NUMERAL})号|"
                     rf"(?P<space2>{NUMERAL})号车位|(?P<space3>{NUMERAL})号(?!楼|梯|电梯))")
# A common place when no building is named: a basement level, the garage.
PLACE = re.compile(rf"(?:(?P<phase>{NUMERAL})期)?"
                   rf"(?P<place>(?:地下|负)[{NUMERAL_CHARS}]{{1,2}}层(?:车库)?|地下车库)")
AREA = re.compile(rf"(?P<area>(?<![A-Za-z])[A-Za-z]|(?<![{NUMERAL_CHARS}])[一二三四五六七八九十])区")
# A phase, an area or a row of houses said as the caller's own (我们五区, 你们二区, 俺是六排的, 姓卢
# 三期的), in any call; the north says 俺 and the north-west 额 for 我.
OWN_PART = re.compile(rf"(?:[我俺]们|咱们|你们|[我俺额]家|[我俺额]是|住在?)"
                      rf"(?:(?P<phase>{NUMERAL})期|(?P<area>{_AREA_NAME})区(?!域)|"
                      rf"(?P<row>{NUMERAL})排(?![{NUMERAL_CHARS}]))|"
                      rf"(?:(?P<phase2>{NUMERAL})期|(?P<area2>{_AREA_NAME})区)的(?=\||$)")
# A room said on its own: after 是/住/在 or the caller's 对 (对 一六零四), before 室/的 or the caller
# going on (二三零一 我叫…), or as the caller's whole answer (六 零 二), or after its floor (四楼四零二);
# not the digits of a phone said again (后四位是七七五二, 尾号是…).
STANDALONE_ROOM = re.compile(
    rf"(?P<fl4>{NUMERAL})(?:楼|层)(?P<room4>{NUMERAL}){_NOT_ROOM}|"
    rf"(?:住|住在)(?P<room3>{NUMERAL}){_NOT_ROOM}|"
    rf"(?:(?<!位)(?<!尾号)是|在|对|^|\|)(?P<room>{NUMERAL})(?=室|号房|房|的|\||$|我)|(?P<room2>{NUMERAL})室")
# An old building's door said as the answer on its own (五号 我姓何): the turn begins with it.
STANDALONE_DOOR = re.compile(rf"(?:^|\|)(?P<door>{NUMERAL})号(?=我|\||$|[，。,])")


@dataclass(frozen=True)
class Address:
    building: str
    kind: str
    unit: str | None
    room: str | None
    prefix: str = ""
    unit_word: str = "单元"
    floor: str | None = None  # a tower's floor, said without a room (11座7层)
    end: int = field(default=0, compare=False)  # where the mention ends in the words read

    def text(self) -> str:
        unit = f"{self.unit}{self.unit_word}" if self.unit else ""
        floor = f"{self.floor}层" if self.floor and not (self.unit or self.room) else ""
        return f"{self.prefix}{self.building}{self.kind}{unit}{self.room or ''}{floor}"

    @property
    def parts(self) -> int:
        return 1 + bool(self.prefix) + bool(self.unit) + bool(self.room or self.floor)

    @property
    def takes_a_room(self) -> bool:
        return (self.kind in ("栋", "号楼", "幢", "座") or self.kind[1:] in _NAMED_BY_USE) and not self.floor


def _room(spoken: str | None) -> str | None:
    value = numeral_value(spoken or "")
    if value is None or not 3 <= len(value) <= 4:
        return None
    # a room on a tower's ninth floor may be said with its zero (零九零六 → 0906); 零五 is no room
    return None if value.startswith("0") and not re.fullmatch(r"0[1-9]\d\d", value) else value


def _number(spoken: str | None) -> str | None:
    value = numeral_value(spoken or "")
    return value if value and len(value) <= 3 and int(value) > 0 else None


def _part(phase: str | None, area: str | None) -> str | None:
    """二期 → 2期, C区 → C区, 三区 → 3区, 下区 → 下区; None if a numeral in it is not a number."""
    prefix = ""
    if phase:
        number = _number(phase)
        if number is None:
            return None
        prefix += f"{number}期"
    if area:
        if area.isascii():
            prefix += f"{area.upper()}区"
        elif area in "东西南北上下中":
            prefix += f"{area}区"
        else:
            number = _number(area)
            if number is None:
                return None
            prefix += f"{number}区"
    return prefix


def _prefix(match: re.Match[str]) -> str | None:
    said = match.groupdict()
    prefix = _part(said["phase"] or said.get("phase_after"), said["area"])
    if prefix is None or not said["yard"]:
        return f"{prefix}{said['yard_side']}院" if prefix is not None and said.get("yard_side") else prefix
    yard = _number(said["yard"])
    return f"{prefix}{yard}号院" if yard else None


def _room_after_floor(floor: str | None, spoken: str | None) -> str | None:
    """十二楼 + 一二零三 → 1203, 十二楼 + 零三 → 1203; a room that does not begin with its floor is
    not taken (三楼 五零二 is unclear)."""
    value = numeral_value(spoken or "")
    number = _number(floor)
    if not value or not number:
        return None
    if len(value) == 2 and value.startswith("0"):
        return _room(f"{number}{value}")
    return _room(spoken) if value.startswith(number) else None


def _floor_door(floor: str, door: str) -> str | None:
    """十五 + 三 → 15-3 (the door on its floor, as said); None unless both are small numbers."""
    fl, number = _number(floor), _number(door)
    return f"{fl}-{number}" if fl and number and len(fl) <= 2 and len(number) <= 2 else None


# The caller correcting the room just said (三零二 不对 是三零三, 说错了 三零三, 三零二室 哦不对 三零三).
_CORRECTION = re.compile(rf"^室?\|?(?:啊|呃|哦|噢|喔)?(?:不对|不是|说错了|讲错了|错了|哦不)(?:不对)?[，,|]?"
                         rf"(?:是|应该是)?"
                         rf"(?P<room>{NUMERAL}){_NOT_ROOM}")


# The caller correcting the side of the landing just said (四楼西户 哦不 东户, 西户 不对 东户).
_SIDE_CORRECTED = re.compile(r"^\|?(?:(?:啊|呃)?(?:不对|不是|说错了|错了|哦不)|哦|噢|喔)[，,|]?(?:是)?"
                             r"(?P<side>[东西中])边?户")


def _corrected_room(after: str) -> str | None:
    match = _CORRECTION.match(after)
    return _room(match.group("room")) if match else None


# Words before a bare tower number that make it a place: 在三座, 住五座, 我是二座 (not 是一座桥).
_PLACE_BEFORE = re.compile(r"(?:在|住|我是|我们|咱们)$")


def _building(match: re.Match[str], text: str) -> Address | None:
    raw, kind = match.group("b"), _BUILDING_WORDS[match.group("kind")]
    after = text[match.end():]
    prefix = _prefix(match)
    if prefix is None:
        return None
    letter = raw[0].upper() if raw[0].isascii() and raw[0].isalpha() else ""  # A座, and A3栋 (A三栋)
    spoken = raw[len(letter):]
    after_mobile = re.fullmatch(rf"{_MOBILE_RUN}(?P<n>{_SPELLED}{{1,2}})", spoken)
    number = _number(after_mobile.group("n") if after_mobile else spoken) if spoken else ""
    if number is None:
        return None
    building = letter + number
    unit = numeral_value(match.group("u") or "") or None
    unit_word = _UNIT_WORDS[match.group("uw")] if unit else "单元"
    spoken_room = (match.group("room_mo") or match.group("room_ph") or match.group("room")
                   or match.group("room_run") or match.group("room_ge"))
    room = _room_after_floor(match.group("fl"), spoken_room) if match.group("fl") else _room(spoken_room)
    if match.group("door") and kind != "座":
        door = _number(match.group("door"))
        room = f"{door}号{_room(match.group('door_room')) or ''}" if door else None
    if match.group("fd_fl"):
        room = _floor_door(match.group("fd_fl"), match.group("fd_door") or match.group("fd_dash"))
    if match.group("ld_fl"):
        floor_number = _number(match.group("ld_fl"))
        side = _SIDE_CORRECTED.match(after)  # 一楼西户 哦 东户: the side taken back
        room = f"{floor_number}楼{side.group('side') if side else match.group('ld_side')}户" \
            if floor_number else None
    room = _corrected_room(after) or room
    floor = _number(match.group("floor")) if kind == "座" else None
    if kind == "座" and not letter and not (unit or room or floor) \
            and not re.match(r"的|\||$", after) and not _PLACE_BEFORE.search(text[:match.start()]):
        return None  # 五座一七零六 is a tower and a room, 九座的 / 在三座 a tower; 一座桥 is a count
    return Address(building, kind, unit, room, prefix, unit_word, floor)


def _dashed(match: re.Match[str]) -> Address | None:
    """三杠二杠五零一 → 3-2-501: the numbers before the room small, the room a room."""
    numbers = [_number(n) for n in re.split(_DASH, match.group("parts"))[:-1]]
    room, prefix = _room(match.group("room_run") or match.group("room")), _prefix(match)
    if room is None or prefix is None or not all(numbers):
        return None
    *building, unit = (n or "" for n in numbers)
    return Address("-".join(building), "-", unit, room, prefix, unit_word="-")


def _shop(match: re.Match[str]) -> Address | None:
    number = _number(match.group("n") or match.group("n2"))
    if number is None:
        return None
    area = match.group("area") or ""
    if area and area[0] not in "东西南北":
        number = area[0].upper() if area[0].isascii() else _number(area[:-1])
        area = f"{number}区" if number else ""
    word = match.group("after") or match.group("kind") or match.group("kind2")
    return Address(f"{'商铺' if word == '铺' else word}{number}", "号", None, None, area)


def _yard(match: re.Match[str]) -> Address | None:
    yard, door = _number(match.group("yard")), _number(match.group("n") or "")
    if yard is None:
        return None
    return Address(f"{yard}号院{door}", "号", None, None) if door else Address(f"{yard}号院", "", None, None)


def _house(match: re.Match[str]) -> Address | None:
    number = _number(match.group("n"))
    return Address(f"{match.group('kind')}{number}", "号", None, None) if number else None


def _zone_house(match: re.Match[str]) -> Address | None:
    area, number = _part(None, match.group("area")), _number(match.group("n"))
    return Address(number, "号", None, None, area) if area and number else None


def _floor_and_door(match: re.Match[str]) -> Address | None:
    floor, door = _number(match.group("fl")), _number(match.group("door"))
    if not (floor and door and len(floor) <= 2 and len(door) <= 2):
        return None
    return Address(f"{floor}{match.group('w')}{door}", "号", None, None)


def _lanes(said: str) -> str | None:
    """四百弄十二支弄 → 400弄12支弄; None if a lane's numeral is not a lane's number."""
    lanes = [(numeral_value(n) or "", word) for n, word in re.findall(rf"({NUMERAL})({_LANE_WORD})", said)]
    if not all(n.isdigit() and 0 < int(n) < 10000 for n, _ in lanes):
        return None
    return "".join(f"{n}{word}" for n, word in lanes)


def _lane(match: re.Match[str]) -> Address | None:
    """A lane house; a house number without its lane only with a room said with 室 (not a date)."""
    lanes = _lanes(match.group("lanes")) if match.group("lanes") else ""
    number, room = _number(match.group("n")), _room(match.group("room"))
    if number is None or lanes is None or (not lanes and not (room and match.group("shi"))):
        return None
    return Address(f"{lanes}{number}", "号", None, room)


def _lane_alone(match: re.Match[str]) -> Address | None:
    lanes = _lanes(match.group("lanes"))
    return Address(lanes, "", None, None) if lanes else None


def _parking(match: re.Match[str]) -> Address | None:
    if match.group("space3") and not match.group("first"):
        return None  # 负一楼 三号电梯 / 负二层 五号: a space only when 车位 is said
    space = _number(match.group("space") or match.group("space2") or match.group("space3"))
    area = f"{match.group('area').upper()}区" if match.group("area") else ""
    if match.group("garage"):
        return Address(f"{match.group('garage')}{area}{space}号车位", "", None, None) if space else None
    level = _number(match.group("n"))
    if level is None or space is None or len(level) > 1:
        return None
    return Address(f"负{level}{match.group('w')}{area}{space}号车位", "", None, None)


def _row(match: re.Match[str]) -> Address | None:
    row, area, house = _number(match.group("row")), _prefix(match), match.groupdict().get("n")
    if row is None or area is None:
        return None
    if house is None:  # a row alone: a place only with its house said apart (_with_its_house)
        return Address(f"{row}{match.group('rw')}", "", None, None, area)
    number = _number(house)
    return Address(f"{row}{match.group('rw')}{number}", "号", None, None, area) if number else None


# Each form and its reader, in the order that breaks a tie between two of equal parts; a lane or a
# row said alone comes last, so that one said with its house comes first.
_FORMS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str], str], Address | None]], ...] = (
    (ROW, lambda m, _: _row(m)), (BUILDING, _building), (DASHED, lambda m, _: _dashed(m)),
    (LANE, lambda m, _: _lane(m)), (HOUSE, lambda m, _: _house(m)), (YARD, lambda m, _: _yard(m)),
    (SHOP, lambda m, _: _shop(m)), (ZONE_HOUSE, lambda m, _: _zone_house(m)),
    (FLOOR_AND_DOOR, lambda m, _: _floor_and_door(m)),
    (PARKING, lambda m, _: _parking(m)), (ROW_ALONE, lambda m, _: _row(m)),
    (LANE_ALONE, lambda m, _: _lane_alone(m)),
)


def candidates(text: str) -> list[Address]:
    found = []
    for pattern, read in _FORMS:
        for match in pattern.finditer(text):
            address = read(match, text)
            if address is not None:
                found.append(replace(address, end=match.end()))
    return found


def standalone_room(text: str) -> str | None:
    for match in STANDALONE_ROOM.finditer(text):
        if match.group("room4"):
            room = _room_after_floor(match.group("fl4"), match.group("room4"))
        else:
            room = _room(match.group("room") or match.group("room2") or match.group("room3"))
        if room:
            return room
    return None


# The unit and room said apart from the building (一单元五零二 在十二栋): not right after a building.
UNIT_ROOM = re.compile(rf"(?<![栋幢座楼动洞撞的{NUMERAL_CHARS}])(?P<u>{NUMERAL})单元{_GAP}"
                       rf"(?P<room>{NUMERAL}){_NOT_ROOM}")


def unit_and_room(text: str) -> tuple[str, str] | None:
    for match in UNIT_ROOM.finditer(text):
        unit, room = _number(match.group("u")), _room(match.group("room"))
        if unit and room:
            return unit, room
    return None


def standalone_door(text: str) -> str | None:
    match = STANDALONE_DOOR.search(text)
    return _number(match.group("door")) if match else None


_ROOM_ON_ITS_FLOOR = re.compile(rf"(?<![{NUMERAL_CHARS}])(?P<fl>{NUMERAL})(?:楼|层){_GAP}"
                                rf"(?P<room>{NUMERAL}){_NOT_ROOM}")


def _room_on_its_floor(text: str) -> str | None:
    """A room said after its floor when no building is named (十二层一二零八 → 1208): only a room of
    three or four digits that begins with its floor, so that 三楼五零二 stays unclear."""
    for match in _ROOM_ON_ITS_FLOOR.finditer(text):
        value = numeral_value(match.group("room"))
        if value and len(value) >= 3:
            room = _room_after_floor(match.group("fl"), match.group("room"))
            if room:
                return room
    return None


def own_part(text: str) -> str | None:
    """An estate's phase, area or row the caller calls theirs (我们五区 → 5区, 三期的 → 3期,
    俺们三排 → 3排)."""
    for match in OWN_PART.finditer(text):
        row = _number(match.group("row") or "")
        if row:
            return f"{row}排"
        part = _part(match.group("phase") or match.group("phase2"),
                     match.group("area") or match.group("area2"))
        if part:
            return part
    return None


def common_place(text: str) -> str | None:
    """A basement level or the garage (地下二层, 2期负一层车库), else an area alone (B区)."""
    place = PLACE.search(text)
    if place:
        phase = _number(place.group("phase")) if place.group("phase") else None
        return f"{phase + '期' if phase else ''}{place.group('place')}"
    area = AREA.search(text)
    if area:
        name = area.group("area")
        return f"{name.upper() if name.isascii() else _number(name)}区"
    return None


# The caller taking back what they just said (六杠二杠三零一 不对 是 六杠三杠二零一).
_TAKEN_BACK = re.compile(r"室?\|?(?:啊|呃|哦|噢|喔)?(?:不对|不是|说错了|讲错了|错了|哦不)")
_LANE_OR_ROW = re.compile(rf"(?:{_LANE_WORD}|排)\d*$")  # 72弄, 3巷21, 2排: a lane or a row, perhaps its house
# The agent telling the caller they have the wrong number (您打错了).
_MISDIALLED = re.compile(r"[您你]打错(?:了|电话)")


def _mentions(text: str) -> list[Address]:
    """The places one side names that can be the caller's: not one the caller took back for a
    mention as full after it; a lane or a row with its house said apart, a row never alone."""
    found = [_with_its_house(a, text) for a in candidates(text)]
    kept = []
    for address in found:
        taken_back = _TAKEN_BACK.match(text, address.end)
        if taken_back and any(b.end > taken_back.end() and b.parts >= address.parts for b in found):
            continue
        if not address.building.endswith("排"):
            kept.append(address)
    return kept


def _read_back(agent: list[Address], caller: str) -> list[Address]:
    """The agent's mentions that stand for the caller's: a flat read back (a unit or a room), or a
    building of a kind the caller named without a number we could read (师幢 or 这栋楼 … 十幢); not a
    building the agent speaks of (A座全楼的消防演练, 六号楼附近捡到), nor one the caller's number
    made a count (写了六座)."""
    named = {kind for kind in ("栋", "幢", "号楼", "座")
             if re.search(rf"(?<![{NUMERAL_CHARS}A-Za-z]){kind}", caller)}
    return [a for a in agent if a.unit or a.room or a.kind in named]


# The agent asking for the building in a phase, an area or a yard (您是二期哪一栋, 西院几号楼): the
# caller's answer is in it.
_ASKED_IN = re.compile(rf"(?:(?P<phase>{NUMERAL})期|(?P<area>{_AREA_NAME})区|(?P<yard_side>[东西南北])院)"
                       rf"的?(?:哪|几)")


def _asked_in(agent_text: str) -> str:
    for match in _ASKED_IN.finditer(agent_text):
        part = _part(match.group("phase"), match.group("area"))
        if part is not None:
            return f"{part}{match.group('yard_side') or ''}{'院' if match.group('yard_side') else ''}"
    return ""


def _completed(best: Address, found: list[Address], text: str, agent: list[Address]) -> Address:
    """The fullest mention completed by the parts said apart from it, or read back by the agent."""
    if not best.prefix:  # 三期六栋 … 住 六栋一单元一五零二: the phase said with the first mention,
        # or by the agent reading the flat back (您是西院几号楼 | 四号楼 … 西院四号楼二单元)
        best = replace(best, prefix=next((a.prefix for a in (*found, *agent) if a.prefix and
                                          (a.building, a.kind) == (best.building, best.kind)), ""))
    if best.room is None and best.unit is None and best.takes_a_room:
        apart = unit_and_room(text)  # 一单元五零二 在十二栋: the building said after the room
        if apart:
            best = replace(best, unit=apart[0], room=apart[1])
    lane_house = best.kind == "号" and _LANE_OR_ROW.search(best.building)
    if best.room is None and (best.takes_a_room or lane_house):
        room = standalone_room(text)  # 三十一弄六号 … 二零三室: a lane house's room said apart
        if room:
            best = replace(best, room=room)
    if best.room is None and best.unit and best.kind in ("幢", "栋"):
        door = standalone_door(text)  # 三幢二单元 … 您是几号 | 五号 我姓何: old housing's door
        if door:
            best = replace(best, room=f"{door}号")
    if best.room is None and best.takes_a_room:  # 我是五座三十二楼 … agent: 五座三二零八
        flat = next((a for a in agent if a.room and (a.building, a.kind) == (best.building, best.kind)
                     and best.unit in (None, a.unit)), None)
        if flat:
            best = replace(best, unit=flat.unit, unit_word=flat.unit_word, room=flat.room)
    return best


def _with_its_house(address: Address, text: str) -> Address:
    """A lane or a row said alone, its house said apart: 一百二十三弄 … 十号门口 → 123弄10号,
    三区二排 … 我是十一号的 → 3区2排11号."""
    if address.kind != "" or not _LANE_OR_ROW.search(address.building):
        return address
    house = next((_number(m.group("n")) for m in HOUSE_APART.finditer(text) if _number(m.group("n"))), None)
    return replace(address, building=f"{address.building}{house}", kind="号") if house else address


def extract_address(transcript: Transcript, emergency: bool | None = None) -> str | None:
    """The caller's own address: the fullest building mention, completed by a room said apart;
    without one, in an emergency (R19), the common place the caller names: where help is sent.
    ``emergency``: the call's R19 verdict when the caller already has it."""
    if _MISDIALLED.search(transcript.words("agent")):
        return None  # the place a misdialled caller names (送到三巷) is no resident's address
    caller, agent_text = ("|".join(mandarin(t.joined) for t in transcript.side(side))
                          for side in ("caller", "agent"))
    agent = _read_back(_mentions(agent_text), caller)
    for text, found in ((caller, _mentions(caller)), (agent_text, agent)):
        if found:
            best = _completed(max(found, key=lambda a: a.parts), found, text, agent)  # the first of equals
            if not best.prefix and best.kind in _BUILDING_WORDS.values():  # 二期哪一栋 | 十七栋
                best = replace(best, prefix=_asked_in(agent_text))
            return best.text()
    room = _room_on_its_floor(caller)
    if room:  # 十二层一二零八 in a tower of offices: the room is the address
        return room
    apart = unit_and_room(caller)
    if apart:  # 三单元五零二 in an estate of one building: the unit and the room are the address
        return f"{apart[0]}单元{apart[1]}"
    if not (is_emergency(transcript) if emergency is None else emergency):
        # a place named in passing (上个月 C区 丢了车) is not where the ticket is; the caller's own is
        return own_part(caller)
    return common_place(caller) or own_part(caller)  # 俺是六排的 … 冒烟了: help goes to the row
