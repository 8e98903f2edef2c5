"""R4: places a resident names in the words of their kind of estate: a state farm's compound of teams,
rows and houses (4队6排9号), a flat above a shop on a street of shop-houses (32号3楼), a room of
hotel-style serviced apartments said with 房 (2315房), a tower or a villa zone said alone as the
caller's place (9座, 3区); and the label written otherwise for the same shop, room or villa."""

from __future__ import annotations

import pytest

from callcenter.tickets.extract.address import extract_address
from callcenter.tickets.extract.address_label import address_label
from callcenter.tickets.scoring import address_exact
from callcenter.tickets.transcript import Transcript, Turn


def call(*turns: tuple[str, str]) -> Transcript:
    return Transcript(id="t", turns=tuple(Turn(speaker, text) for speaker, text in turns))  # type: ignore[arg-type]


def caller(*said: str) -> Transcript:
    turns: list[tuple[str, str]] = [("agent", "您好 物业 服务 中心 请问 有 什么 可以 帮 您")]
    for text in said:
        turns += [("caller", text), ("agent", "好 的 您 请 讲")]
    return call(*turns)


@pytest.mark.parametrize(("said", "address"), [
    (("我 是 四 队 六 排 九 号 的 阿婆 厨房 的 水管 漏水",), "4队6排9号"),
    (("十二 队 二 排 五 号 屋顶 漏 雨",), "12队2排5号"),  # the team with the row, not the row alone
    (("我 住 七 队 那边 职工 宿舍 第 二 排 十 号",), "7队2排10号"),  # the row a few words on, with 第
    (("八 队 第 三 排 那里 水管 爆 了",), "8队3排"),
    (("我们 六 队 这 边 的 路灯 不 亮 好 久 了",), "6队"),  # the team's own road
    (("九 队 那边 的 排水沟 堵 了",), "9队"),
    (("食堂 门口 排 了 三 队 人 好 乱",), None),  # a queue
    (("你们 维修 二 队 那边 的 师傅 来 过 了",), None),  # a team of workers
    (("上次 第 三 队 的 师傅 修 得 好",), None),
])
def test_state_farm_teams_rows_and_houses_r4(said: tuple[str, ...], address: str | None) -> None:
    assert extract_address(caller(*said)) == address


@pytest.mark.parametrize(("said", "address"), [
    (("我 是 新华 街 三十 二 号 三 楼 的 租户 热水器 坏 了",), "32号3楼"),
    (("我 是 老街 八 号 楼上 的 我 家 卫生间 漏水 漏 到 店 里",), "8号"),  # upstairs, no floor said
    (("我 住 老街 八 号 楼上 的 | 卫生间 漏水", "是 三 楼 那个 卫生间"), "8号3楼"),  # the floor said apart
    (("三 号 楼 上 的 广告牌 被 风 吹 歪 了",), "3号楼"),  # on a building, not upstairs
    (("下 个 月 十九 号 二 楼 要 停水 吗",), None),  # a day
])
def test_flat_above_a_shop_on_its_street_r4(said: tuple[str, ...], address: str | None) -> None:
    assert extract_address(caller(*said)) == address


@pytest.mark.parametrize(("said", "address"), [
    (("你好 我 是 二 三 一 五 房 的 客人 空调 不 制冷",), "2315房"),
    (("我 住 八 零 六 号 房 热水 没有",), "806房"),
    (("想 问 一下 两 房 一 厅 的 租金 多少",), None),  # a kind of flat
    (("这 个 月 我 交 了 一千 五 房租 了",), None),  # the rent
])
def test_serviced_apartment_room_said_with_fang_r4(said: tuple[str, ...], address: str | None) -> None:
    assert extract_address(caller(*said)) == address


@pytest.mark.parametrize(("said", "address"), [
    (("九 座 那个 电梯 又 坏 了 大家 都 走 楼梯",), "9座"),
    (("三 座 大堂 的 灯 一直 不 亮",), "3座"),
    (("七 座 七 座 靠 海边 那 栋",), "7座"),  # the tower said twice as the answer
    (("我们 租 了 一 辆 七 座 车 出去 玩 停车 要 钱 吗",), None),  # seats
])
def test_tower_said_alone_as_the_callers_place_r4(said: tuple[str, ...], address: str | None) -> None:
    assert extract_address(caller(*said)) == address


@pytest.mark.parametrize(("said", "address"), [
    (("我 在 你们 小区 三 区 有 套 房子 一直 空 着 想 问 一下 托管",), "3区"),
    (("我 B 区 的 别墅 想 问 问 物业费",), "B区"),
    (("上 个 月 在 C 区 丢 了 一 辆 自行车",), None),  # a zone named in passing
])
def test_villa_zone_where_the_caller_has_a_home_r4(said: tuple[str, ...], address: str | None) -> None:
    assert extract_address(caller(*said)) == address


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
