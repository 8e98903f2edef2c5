"""R4: places a resident names in the words of their kind of estate: a state farm's compound of teams,
rows and houses (4队6排9号), a flat above a shop on a street of shop-houses (32号3楼), a room of
hotel-style serviced apartments said with 房 (2315房), a tower or a villa zone said alone as the
caller's place (9座, 3区); and the label written otherwise for the same shop, room or villa."""

from __future__ import annotations

from callcenter.tickets.extract.address_label import address_label
from callcenter.tickets.scoring import address_exact


def test_label_writes_the_same_shop_room_or_villa_otherwise_r4() -> None:
    # a shop by its front (铺面) is the shop the label writes as 铺 or 商铺
    assert address_label("12号铺") == address_label("铺面12号") == address_label("12号铺面") == "商铺12号"
    # a room with its 房 is the room
    assert address_label("2315房") == address_label("2315") == "2315"
    # a villa in a zone, with or without its 别墅; a villa named alone keeps its word
    assert address_label("B区8号别墅") == address_label("B区8号") == "B区8号"
    assert address_label("28号别墅") == "28号别墅"
    assert address_exact([("铺面7号", "7号铺"), ("2315房", "2315房"), ("C区26号别墅", "C区26号")]) == 1.0
    assert address_exact([("铺面7号", "8号铺")]) == 0.0
