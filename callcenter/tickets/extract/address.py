"""R4: the caller's address, normalised as ``3栋2单元501``, ``12号楼102``, ``5幢302``, ``B座1803``,
or in the caller's own words for the parts of a place: ``3-2-501`` (the north-east's 三杠二杠五零一),
``3巷21号`` and ``230弄12号`` (lanes), ``2区4排7号`` and ``3组21号`` (rows, a village's groups), ``门市6号``.

Buildings, units and rooms are spoken as Chinese numerals (幺 = 1, 两 = 2), rooms digit by digit
(五 零 一) or as numbers (五百零一), or as floor and door (十二 楼 零 三 = 1203). The recogniser often
writes a homophone for the building word (动/洞 for 栋, 撞 for 幢, 做/坐 for 座, 单园 for 单元); a
numeral before it makes the reading safe. Estates also number their parts otherwise, and the address keeps
their words: a phase or an area before the building (``2期8栋1203``, ``B区3幢``, ``3区12号楼``), old
estates' doors for units (``12号楼2门502``) and buildings by 甲乙丙丁 (``甲2楼1门301``), villas
(``28号别墅``), towers with a floor (``11座7层``), shops (``东区商铺118号``, in a building
``A区3栋商铺5号``), a yard named by its side (``东院8号楼``), works' dormitories (``3号宿舍楼216``), villas
in a zone (``C区15号``). Where flats have no numbers a flat is its floor and its side of the landing
(``5号楼3门3楼东户``, said without 户 ``4号楼3门2楼东``) or the hand its door is on (``2幢2单元3楼右``);
in a building of one name, its floor and door (``12楼5号``, ``三楼零五`` → ``305``) or its room said after
the name or twice (``508``). A floor said alone is not kept: most labels leave it out, unless the caller
names it as theirs and again where the matter is (``3楼``). A caller who names no building may name a
common place (``地下二层``, ``2期负一层车库``, ``2号电梯``) or only an area (``B区``): kept for an emergency
(R19), where it is where help goes; a place named in passing in any other call is not the caller's
address, but a part the caller calls theirs is (``3期``, ``6排``), or a zone where they have a home
(``6区``), and so is an area the caller names the matter's place by (二区后头的路灯 → ``2区``). A state
farm's compound is its teams, rows and houses (``3队5排7号``, in ``address_farm``); a street of
shop-houses, the house and the floor above the shop (``19号2楼``, in ``address_street``); serviced
apartments, the room said with 房 (``1826房``); a tower said alone with its lift or lobby (``5座那个电梯``)
is the caller's. A caller with no flat of their own may name the matter's place by the buildings around
it: a stretch between two (``5栋到7栋中间梯坎``) or their shop by its building and trade (``1幢茶馆``), in
``address_common``.
How a label may write the same place otherwise is in ``address_label``.
The forms are read in ``address_building`` (a building and its flat) and ``address_places``
(every other place), their numbers in ``address_numbers``; here the caller's own address is
chosen among the places named and completed by the parts said apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from callcenter.tickets.extract.address_building import (
    BUILDING,
    BUILDING_WORDS,
    DASHED,
    Address,
    read_building,
    read_dashed,
)
from callcenter.tickets.extract.address_common import between_buildings, shop_of_its_keeper
from callcenter.tickets.extract.address_farm import TEAM, read_team
from callcenter.tickets.extract.address_hotel_room import room_with_its_word
from callcenter.tickets.extract.address_numbers import (
    AREA_NAME,
    GAP,
    NOT_ROOM,
    estate_part,
    room_after_floor,
    room_number,
    small_number,
)
from callcenter.tickets.extract.address_places import (
    FLOOR_AND_DOOR,
    HOUSE,
    HOUSE_APART,
    LANE,
    LANE_ALONE,
    LANE_WORD,
    PARKING,
    ROW,
    ROW_ALONE,
    SHOP,
    WING,
    YARD,
    ZONE_HOUSE,
    area_of_the_matter,
    common_place,
    floor_of_the_matter,
    own_part,
    read_floor_and_door,
    read_house,
    read_lane,
    read_lane_alone,
    read_parking,
    read_row,
    read_shop,
    read_wing,
    read_yard,
    read_zone_house,
    zone_of_a_home,
)
from callcenter.tickets.extract.address_street import HOUSE_FLOOR, read_house_floor
from callcenter.tickets.extract.dialect import side_text
from callcenter.tickets.extract.numerals import NUMERAL, NUMERAL_CHARS, numeral_value
from callcenter.tickets.extract.urgent import is_emergency
from callcenter.tickets.transcript import Transcript

# A room said on its own: after 是/住/在 or the caller's 对 (对 一六零四), before 室/的 or the caller
# going on (二三零一 我叫…), or as the caller's whole answer (六 零 二), or after its floor (四楼四零二);
# not the digits of a phone said again (后四位是七七五二, 尾号是…).
STANDALONE_ROOM = re.compile(
    rf"(?P<fl4>{NUMERAL})(?:楼|层)(?P<room4>{NUMERAL}){NOT_ROOM}|"
    rf"(?:住|住在)(?P<room3>{NUMERAL}){NOT_ROOM}|"
    rf"(?:(?<!位)(?<!尾号)是|在|对|^|\|)(?P<room>{NUMERAL})(?=室|号房|房|的|\||$|我)|(?P<room2>{NUMERAL})室")
# An old building's door said as the answer on its own (五号 我姓何): the turn begins with it.
STANDALONE_DOOR = re.compile(rf"(?:^|\|)(?P<door>{NUMERAL})号(?=我|\||$|[，。,])")


# Each form and its reader, in the order that breaks a tie between two of equal parts; a lane or a
# row said alone comes last, so that one said with its house comes first.
_FORMS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str], str], Address | None]], ...] = (
    (ROW, lambda m, _: read_row(m)), (BUILDING, read_building), (DASHED, lambda m, _: read_dashed(m)),
    (LANE, lambda m, _: read_lane(m)), (HOUSE, lambda m, _: read_house(m)), (YARD, lambda m, _: read_yard(m)),
    (SHOP, lambda m, _: read_shop(m)), (ZONE_HOUSE, lambda m, _: read_zone_house(m)),
    (FLOOR_AND_DOOR, lambda m, _: read_floor_and_door(m)), (HOUSE_FLOOR, read_house_floor),
    (PARKING, lambda m, _: read_parking(m)), (WING, lambda m, _: read_wing(m)),
    (ROW_ALONE, lambda m, _: read_row(m)),
    (LANE_ALONE, lambda m, _: read_lane_alone(m)), (TEAM, read_team),
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
            room = room_after_floor(match.group("fl4"), match.group("room4"))
        else:
            room = room_number(match.group("room") or match.group("room2") or match.group("room3"))
        if room:
            return room
    return None


# The unit and room said apart from the building (一单元五零二 在十二栋): not right after a building.
UNIT_ROOM = re.compile(rf"(?<![栋幢座楼动洞撞的{NUMERAL_CHARS}])(?P<u>{NUMERAL})单元{GAP}"
                       rf"(?P<room>{NUMERAL}){NOT_ROOM}")


def unit_and_room(text: str) -> tuple[str, str] | None:
    for match in UNIT_ROOM.finditer(text):
        unit, room = small_number(match.group("u")), room_number(match.group("room"))
        if unit and room:
            return unit, room
    return None


def standalone_door(text: str) -> str | None:
    match = STANDALONE_DOOR.search(text)
    return small_number(match.group("door")) if match else None


_ROOM_ON_ITS_FLOOR = re.compile(rf"(?<![{NUMERAL_CHARS}])(?P<fl>{NUMERAL})(?:楼|层){GAP}"
                                rf"(?P<room>{NUMERAL}){NOT_ROOM}")


def _room_on_its_floor(text: str) -> str | None:
    """A room said after its floor when no building is named (十二层一二零八 → 1208): only a room of
    three or four digits that begins with its floor, so that 三楼五零二 stays unclear; or the door on
    its floor said with its 零, as a block of one building numbers its flats (三楼零五 → 305)."""
    for match in _ROOM_ON_ITS_FLOOR.finditer(text):
        value = numeral_value(match.group("room"))
        if value and (len(value) >= 3 or value.startswith("0")):
            room = room_after_floor(match.group("fl"), match.group("room"))
            if room:
                return room
    return None


# A room in a block of one building, said straight after the block's name (康乐公寓五零八的) or as
# the caller's answer said twice (四零六 四零六): there the room is the address.
_ROOM_IN_ITS_BLOCK = re.compile(rf"(?:公寓|大厦|大楼)的?(?P<room>{NUMERAL}){NOT_ROOM}|"
                                rf"(?:^|\|)(?P<twice>[{NUMERAL_CHARS}]{{3,4}})(?P=twice)(?![{NUMERAL_CHARS}])")


def _room_in_its_block(text: str) -> str | None:
    for match in _ROOM_IN_ITS_BLOCK.finditer(text):
        room = room_number(match.group("room") or match.group("twice"))
        if room:
            return room
    return None


# The caller taking back what they just said (六杠二杠三零一 不对 是 六杠三杠二零一).
_TAKEN_BACK = re.compile(r"室?\|?(?:啊|呃|哦|噢|喔)?(?:不对|不是|说错了|讲错了|错了|哦不)")
_LANE_OR_ROW = re.compile(rf"(?:{LANE_WORD}|排)\d*$")  # 72弄, 3巷21, 2排: a lane or a row, perhaps its house
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
_ASKED_IN = re.compile(rf"(?:(?P<phase>{NUMERAL})期|(?P<area>{AREA_NAME})区|(?P<yard_side>[东西南北])院)"
                       rf"的?(?:哪|几)")


def _asked_in(agent_text: str) -> str:
    for match in _ASKED_IN.finditer(agent_text):
        part = estate_part(match.group("phase"), match.group("area"))
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
    house = next((small_number(m.group("n")) for m in HOUSE_APART.finditer(text)
                  if small_number(m.group("n"))), None)
    return replace(address, building=f"{address.building}{house}", kind="号") if house else address


def extract_address(transcript: Transcript, emergency: bool | None = None) -> str | None:
    """The caller's own address: the fullest building mention, completed by a room said apart;
    without one, in an emergency (R19), the common place the caller names: where help is sent.
    ``emergency``: the call's R19 verdict when the caller already has it."""
    if _MISDIALLED.search(transcript.words("agent")):
        return None  # the place a misdialled caller names (送到三巷) is no resident's address
    caller, agent_text = side_text(transcript, "caller"), side_text(transcript, "agent")
    agent = _read_back(_mentions(agent_text), caller)
    if not any(a.unit or a.room for a in (*_mentions(caller), *agent)):
        place = between_buildings(caller) or shop_of_its_keeper(caller)
        if place:  # 三栋跟四栋中间那座天桥, 一幢底下那个茶馆的老板: no flat of the caller's own
            return place
    for text, found in ((caller, _mentions(caller)), (agent_text, agent)):
        if found:
            best = _completed(max(found, key=lambda a: a.parts), found, text, agent)  # the first of equals
            if not best.prefix and best.kind in BUILDING_WORDS.values():  # 二期哪一栋 | 十七栋
                best = replace(best, prefix=_asked_in(agent_text))
            return best.text()
    room = _room_on_its_floor(caller)
    if room:  # 十二层一二零八 in a tower of offices: the room is the address
        return room
    room = _room_in_its_block(caller)
    if room:  # 康乐公寓五零八: the room of a block of one building
        return room
    apart = unit_and_room(caller)
    if apart:  # 三单元五零二 in an estate of one building: the unit and the room are the address
        return f"{apart[0]}单元{apart[1]}"
    room = room_with_its_word(caller)
    if room:  # 一八二六房 in serviced apartments: the room is the address
        return room
    if not (is_emergency(transcript) if emergency is None else emergency):
        # a place named in passing (上个月 C区 丢了车) is not where the ticket is; the caller's own is,
        # and the area or the floor where the matter is (二区后头的路灯, 我住三楼 … 三楼楼道)
        return (own_part(caller) or zone_of_a_home(caller) or area_of_the_matter(caller)
                or floor_of_the_matter(caller))
    # 俺是六排的 … 冒烟了: help goes to the row
    return common_place(caller) or own_part(caller) or zone_of_a_home(caller)
