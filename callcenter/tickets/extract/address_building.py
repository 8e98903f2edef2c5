"""R4: a building and its flat as a caller says them: the building (栋, 号楼, 幢, 座, a villa, one named by
its use, an old compound's 甲三楼), its unit or stairway door (单元, 门) and its room: digit by digit, as a
number, after its floor, as floor and door (15-3), as a floor's side of the landing (3楼东户, without 户
2楼东) or the hand its door is on (3楼右), or an old building's door (5幢12号); and the north-east's flat
with dashes (三杠二杠五零一 → 3-2-501).
Every form of place is read into an ``Address``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from callcenter.tickets.extract.address_numbers import (
    ESTATE_PREFIX,
    GAP,
    NOT_ROOM,
    estate_prefix,
    room_after_floor,
    room_number,
    small_number,
)
from callcenter.tickets.extract.numerals import NUMERAL, NUMERAL_CHARS, numeral_value

# A works, a campus or a serviced block names its buildings by use (三号宿舍楼二一六, 二号公寓楼): kept.
_NAMED_BY_USE = ("宿舍楼", "公寓楼", "住宅楼", "办公楼", "综合楼", "教学楼")
BUILDING_WORDS = {"栋": "栋", "动": "栋", "洞": "栋", "号楼": "号楼", "号搂": "号楼", "幢": "幢", "撞": "幢",
                  "座": "座", "做": "座", "坐": "座", "号别墅": "号别墅",
                  "号宿舍": "号宿舍楼"} | {f"号{use}": f"号{use}" for use in _NAMED_BY_USE}
_KIND = "|".join(sorted(BUILDING_WORDS, key=len, reverse=True))
# Old estates number a building's stairways as doors (二门), not units; not 门口, 门卫, 门禁 ….
_UNIT_WORDS = {"单元": "单元", "单园": "单元", "单员": "单元", "担元": "单元", "门": "门"}
_UNIT = r"(?P<uw>单元|单园|单员|担元|门(?![口卫岗禁铃锁面前外]))"
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
DASHED = re.compile(rf"{ESTATE_PREFIX}(?<![{NUMERAL_CHARS}杠刚钢港岗\-\uff0d])"
                    rf"(?P<parts>(?:{NUMERAL}{_DASH}){{2,3}})"
                    rf"(?:(?P<room_run>{_SPELLED}{{3,4}}?)(?={_SPELLED}{{1,2}}(?:楼|层)|{_MOBILE})|"
                    rf"(?P<room>{NUMERAL}){NOT_ROOM})")
# Old housing numbers the doors of a building (五幢十二号 → 5幢12号); not a day (五栋的十二号下午), a
# gate (十号楼三号门口) or a lift (十栋二号电梯).
_DOOR = (rf"(?P<door>{NUMERAL})号(?!楼|线|别墅|铺|商铺|门|口|电梯|梯|车位|岗|机|井|窗|"
         r"[上下中晚早凌]|之?[前后]|以[前后]|那|左右|开始|到|至|来|去)")
# A door may have its rooms (七幢十四号 三零一室 → 7幢14号301).
# Where flats have no numbers a flat is its floor and its side of the landing (三楼东户, 四层西边户,
# 六楼中户): most labels keep both, and a repairman sent up the stairway needs both to find the door.
# Others name the door by the hand it is on as one comes up the stairs (三楼右边, 四楼右手边那家,
# 五楼中间那户): the floor and 左, 右 or 中, as those labels write it (3楼右). Old walk-ups with two
# flats a landing name the side without 户 (二楼东边那户, 四楼西边的): the floor and the side (2楼东).
_LANDING = (rf"(?P<ld_fl>{NUMERAL})(?:楼|层){GAP}(?:(?P<ld_side>[东西中])边?户|"
            rf"(?P<ld_hand>[左右])(?:手边?|边)?|(?P<ld_mid>中)(?:间|间?那户|间?那家)|"
            rf"(?P<ld_half>[东西])边(?!\|?户))")
# A shop in a building, numbered on its own (A区三栋五号铺 → A区3栋商铺5号), in the words of a shop
# the other shops take (read_shop).
_SHOP_IN_IT = rf"(?P<shop_n>{NUMERAL})号(?P<shop_w>商铺|底商|门市|门面|铺面|铺(?![子盖]))"
_ROOM = (rf"{_LANDING}|{_SHOP_IN_IT}|{_FLOOR_DOOR}|{_DOOR}(?:{GAP}(?P<door_room>{NUMERAL}){NOT_ROOM})?|"
         rf"(?:(?P<fl>{NUMERAL})(?:楼|层))?{GAP}(?:{_PREMISES}{GAP})?"
         rf"(?:(?P<room_mo>{_SPELLED}{{3,4}})(?=月)|(?P<room_ph>{_SPELLED}{{3,4}}?)(?={_MOBILE})|"
         rf"(?P<room>{NUMERAL}{NOT_ROOM})|(?P<room_run>{_SPELLED}{{3,4}}?)(?={_FLOOR_AFTER}(?:楼|期|区))"
         rf"|(?P<room_ge>{_SPELLED}*零{_SPELLED}*)(?=个))"
         rf"|(?P<floor>{NUMERAL})层")
# 二十三号楼上的 (我…), 十九号楼上住的: the one upstairs at No. 23 of a street (address_street), not a
# building 23号楼 (三号楼上的广告牌 is on the building).
UPSTAIRS = r"上(?:的(?=[我|住租业人那，,。]|$)|住|那家|那户)"
_NOT_UPSTAIRS = rf"(?!(?<=号楼){UPSTAIRS})"
BUILDING = re.compile(
    rf"{ESTATE_PREFIX}"
    rf"(?:(?<![姓老小])(?P<stem>[甲乙丙丁])(?P<sb>{NUMERAL})号?楼(?!上|下|道|梯|顶)|"
    rf"(?P<b>(?<![A-Za-z])[A-Za-z](?=座|做|坐|栋|幢|号楼)|(?:(?<![A-Za-z])[A-Za-z])?{NUMERAL})(?P<kind>{_KIND})"
    rf"{_NOT_UPSTAIRS})"
    rf"(?:{GAP}(?P<u>{NUMERAL}){_UNIT})?"
    rf"(?:{GAP}(?:{_ROOM}))?"
    rf"(?:(?P<phase_after>{NUMERAL})期)?"  # 九栋二单元三零一二期的: the phase said after
)


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
        return (self.kind in ("栋", "号楼", "幢", "座", "楼") or self.kind[1:] in _NAMED_BY_USE) \
            and not self.floor


def _floor_door(floor: str, door: str) -> str | None:
    """十五 + 三 → 15-3 (the door on its floor, as said); None unless both are small numbers."""
    fl, number = small_number(floor), small_number(door)
    return f"{fl}-{number}" if fl and number and len(fl) <= 2 and len(number) <= 2 else None


# The caller correcting the room just said (三零二 不对 是三零三, 说错了 三零三, 三零二室 哦不对 三零三,
# 三零二的 哦不对 三零三); not 三零二的 不是三零三, the room said and another denied.
_CORRECTION = re.compile(r"^(?:室|的(?!\|?(?:啊|呃|哦|噢|喔)?不是))?"
                         rf"\|?(?:啊|呃|哦|噢|喔)?(?:不对|不是|说错了|讲错了|错了|哦不)(?:不对)?[，,|]?"
                         rf"(?:是|应该是)?"
                         rf"(?P<room>{NUMERAL}){NOT_ROOM}")


# The caller correcting the side of the landing just said (四楼西户 哦不 东户, 西户 不对 东户).
_SIDE_CORRECTED = re.compile(r"^\|?(?:(?:啊|呃)?(?:不对|不是|说错了|错了|哦不)|哦|噢|喔)[，,|]?(?:是)?"
                             r"(?P<side>[东西中])边?户")


def _corrected_room(after: str) -> str | None:
    match = _CORRECTION.match(after)
    return room_number(match.group("room")) if match else None


# Buildings gone through one by one (一栋楼一栋楼地找, 一幢一幢问) are counted, not named.
_ONE_BY_ONE = re.compile(rf"一(?P<w>{_KIND})楼?一(?P=w)楼?")
# Words before a bare tower number that make it a place: 在三座, 住五座, 我是二座 (not 是一座桥).
_PLACE_BEFORE = re.compile(r"(?:在|住|我是|我们|咱们)$")
# Words after it that make it one: 九座的, a pause, its lift (二座三号电梯, 五座那个电梯), its lobby or
# door (十座大堂门口); or the tower said twice, as an answer (二座二座靠泳池那个).
_PLACE_AFTER = re.compile(rf"的|\||$|{NUMERAL}号电?梯|(?:那个|那边|这边)?(?:电梯|大堂|门口|楼下)")


def read_building(match: re.Match[str], text: str) -> Address | None:
    if match.group("stem"):  # 甲三楼, 乙二号楼: a compound's buildings, written 甲3楼
        raw, kind = match.group("stem") + match.group("sb"), "楼"
    else:
        raw, kind = match.group("b"), BUILDING_WORDS[match.group("kind")]
    after = text[match.end():]
    prefix = estate_prefix(match)
    if prefix is None:
        return None
    stem_or_letter = match.group("stem") or (raw[0].isascii() and raw[0].isalpha())
    letter = raw[0].upper() if stem_or_letter else ""  # A座, A3栋 (A三栋), 甲3楼
    spoken = raw[len(letter):]
    after_mobile = re.fullmatch(rf"{_MOBILE_RUN}(?P<n>{_SPELLED}{{1,2}})", spoken)
    number = small_number(after_mobile.group("n") if after_mobile else spoken) if spoken else ""
    if number is None or any(m.start() <= match.start() < m.end() for m in _ONE_BY_ONE.finditer(text)):
        return None
    building = letter + number
    unit = numeral_value(match.group("u") or "") or None
    unit_word = _UNIT_WORDS[match.group("uw")] if unit else "单元"
    spoken_room = (match.group("room_mo") or match.group("room_ph") or match.group("room")
                   or match.group("room_run") or match.group("room_ge"))
    room = room_after_floor(match.group("fl"), spoken_room) if match.group("fl") else room_number(spoken_room)
    if match.group("door") and kind != "座":
        door = small_number(match.group("door"))
        room = f"{door}号{room_number(match.group('door_room')) or ''}" if door else None
    if match.group("shop_n"):
        shop = small_number(match.group("shop_n"))
        word = match.group("shop_w")
        room = f"{'商铺' if word == '铺' else word}{shop}号" if shop else None
    if match.group("fd_fl"):
        room = _floor_door(match.group("fd_fl"), match.group("fd_door") or match.group("fd_dash"))
    if match.group("ld_fl"):
        floor_number = small_number(match.group("ld_fl"))
        side = _SIDE_CORRECTED.match(after)  # 一楼西户 哦 东户: the side taken back
        said = (match.group("ld_hand") or match.group("ld_mid") or match.group("ld_half")  # 三楼右边 → 3楼右
                or f"{side.group('side') if side else match.group('ld_side')}户")
        room = f"{floor_number}楼{said}" if floor_number else None
    room = _corrected_room(after) or room
    # a tower's floor said with 层, alone or before a number that is no room on it (B座十五层一家公司)
    floor_said = match.group("floor") or (match.group("fl") if room is None and match.group("fl")
                                          and text[match.end("fl")] == "层" else None)
    floor = small_number(floor_said) if kind == "座" else None
    said_after = text[match.end("kind"):]
    if kind == "座" and not letter and not (unit or room or floor) \
            and not _PLACE_AFTER.match(said_after) and not said_after.startswith(raw + "座") \
            and not _PLACE_BEFORE.search(text[:match.start()]):
        return None  # 五座一七零六: tower and room; 九座的, 在三座, 二座三号电梯: a tower; 一座桥: a count
    return Address(building, kind, unit, room, prefix, unit_word, floor)


def read_dashed(match: re.Match[str]) -> Address | None:
    """三杠二杠五零一 → 3-2-501: the numbers before the room small, the room a room."""
    numbers = [small_number(n) for n in re.split(_DASH, match.group("parts"))[:-1]]
    room, prefix = room_number(match.group("room_run") or match.group("room")), estate_prefix(match)
    if room is None or prefix is None or not all(numbers):
        return None
    *building, unit = (n or "" for n in numbers)
    return Address("-".join(building), "-", unit, room, prefix, unit_word="-")
