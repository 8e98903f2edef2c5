"""R4: a place named by the buildings around it, said by a caller who gives no flat of their own: a
stretch between two buildings (8栋到9栋中间台阶) and a keeper's shop without a number, by its building,
floor and trade (2幢1楼面馆); a caller who gives their flat keeps it."""

from __future__ import annotations

import pytest

from callcenter.tickets.extract.address import extract_address
from callcenter.tickets.transcript import Transcript, Turn


def caller(*said: str) -> Transcript:
    turns = [Turn("agent", "您好 物业 服务 中心 请问 有 什么 可以 帮 您")]  # type: ignore[arg-type]
    for text in said:
        turns += [Turn("caller", text), Turn("agent", "好 的 您 请 讲")]  # type: ignore[arg-type]
    return Transcript(id="t", turns=tuple(turns))


@pytest.mark.parametrize(("said", "address"), [
    (("八 栋 到 九 栋 中间 那段 台阶 有 块 砖 翘 起来 了 晚上 容易 绊倒",), "8栋到9栋中间台阶"),
    (("你好 十一 号楼 和 十二 号楼 之间 的 小路 积水 好 深",), "11号楼和12号楼之间小路"),
    (("A 座 跟 B 座 中间 那座 连廊 顶上 在 漏 雨",), "A座跟B座中间连廊"),
    # the caller's own flat stays the address
    (("我 是 八 栋 二 单元 五 零 一 的 八 栋 到 九 栋 中间 那段 台阶 砖 翘 了",), "8栋2单元501"),
    (("我 从 八 栋 走 到 九 栋 中间 摔 了 一跤",), "8栋"),  # no stretch named
    (("八 栋 和 九 栋 之间 的 路灯 坏 了",), "8栋"),  # a lamp, not a road
])
def test_stretch_between_two_buildings_is_the_address_r4(said: tuple[str, ...], address: str | None) -> None:
    assert extract_address(caller(*said)) == address


@pytest.mark.parametrize(("said", "address"), [
    (("我 是 二 幢 一 楼 靠 路边 那家 面馆 的 老板 想 问 下 铺面 的 水费",), "2幢1楼面馆"),
    (("喂 我 是 六 栋 楼下 那个 理发店 的 老李 门口 的 下水道 堵 了",), "6栋理发店"),
    (("我 是 九 栋 底商 一 零 二 那个 奶茶店 的 老板",), "9栋102"),  # the shop's number said
    (("六 栋 楼下 那个 理发店 的 音响 太 吵 了",), "6栋"),  # a neighbour's shop, not the caller's
    (("三 栋 楼下 那个 饭店 的 老板 天天 把 桌子 摆 到 路上",), "3栋"),  # a keeper spoken of
])
def test_keepers_shop_by_its_building_and_trade_r4(said: tuple[str, ...], address: str | None) -> None:
    assert extract_address(caller(*said)) == address


@pytest.mark.parametrize(("said", "address"), [
    (("我 是 七 排 的 老王 我们 七 排 门口 的 水沟 堵 了 脏水 都 流 到 五 号 门口 了",), "7排"),
    (("四十六 弄 里 垃圾 没 人 收 就 在 五 号 门口",), "46弄5号"),  # the matter at the house
])
def test_house_the_matter_reaches_is_not_its_place_r4(said: tuple[str, ...], address: str | None) -> None:
    assert extract_address(caller(*said)) == address
