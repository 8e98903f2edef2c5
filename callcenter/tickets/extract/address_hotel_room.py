"""R4: a room in hotel-style serviced apartments (公寓 of one building, a front desk), said with 房 as
the caller's whole address: 一八二六房 → 1826房, 我住二二零八房, 我是一二零九房的; the room written
with its 房 as the caller says it (the scorer reads 1826房 and 1826 as the same room). Not a landlord
(五零一房东), the rent (一千五房租) nor a room of a kind (两房一厅).
"""

from __future__ import annotations

import re

from callcenter.tickets.extract.address_numbers import room_number
from callcenter.tickets.extract.numerals import NUMERAL, NUMERAL_CHARS

_ROOM_WITH_ITS_WORD = re.compile(rf"(?<![{NUMERAL_CHARS}])(?P<room>{NUMERAL})号?房"
                                 r"(?![东租子间产贷屋价款费主源型卡])")


def room_with_its_word(text: str) -> str | None:
    for match in _ROOM_WITH_ITS_WORD.finditer(text):
        room = room_number(match.group("room"))
        if room:
            return f"{room}房"
    return None
