"""R19: an emergency is a danger to people or property now. A danger the caller only thought there
was (还以为水管又爆了) is none, unless the story turns to now (以为修好了 结果又漏了); a cooking smell
of the seasonings 辣椒 / 花椒 is no burning smell (焦味), though the recogniser's sounds are alike; a
lift stopped with no one in it (里面没人) is a repair, not people trapped."""

from __future__ import annotations

import pytest

from callcenter.tickets.extract.urgent import is_emergency, told_not_now
from callcenter.tickets.transcript import Transcript, Turn


def caller(*texts: str) -> Transcript:
    turns = (Turn("agent", "您好 物业 服务 中心"), *(Turn("caller", text) for text in texts))
    return Transcript(id="t", turns=turns)


@pytest.mark.parametrize(("texts", "urgent"), [
    # mistaken: the caller thought there was a danger, and there is none
    (("门口 贴 的 通知 说 后天 停 气", "吓 我 一 跳 我 还 以为 楼道 里 又 漏 气 了 问 清楚 就 好"), False),
    (("楼下 好 大 的 声音 我 以为 哪里 水管 爆 了 原来 是 在 装修",), False),
    # the story turns to now after what the caller thought: a danger now
    (("我 以为 修好 了 结果 又 漏 了 现在 水 哗哗 地 往 下 流",), True),
    (("我 以为 没事 可是 现在 插座 冒烟 了",), True),
])
def test_a_danger_the_caller_only_thought_there_was_is_no_emergency_r19(texts: tuple[str, ...],
                                                                       urgent: bool) -> None:
    assert is_emergency(caller(*texts)) is urgent


@pytest.mark.parametrize(("texts", "urgent"), [
    (("楼下 饭馆 的 花椒 油烟 味 天天 熏 进 我 家 厨房",), False),
    (("隔壁 炒 菜 一股 辣椒 味 呛 得 我 咳嗽 你们 管 一 管",), False),
    # a burning smell itself stays one
    (("插座 那里 一股 焦 味 还 在 响",), True),
])
def test_a_seasonings_cooking_smell_is_no_burning_smell_r19(texts: tuple[str, ...], urgent: bool) -> None:
    assert is_emergency(caller(*texts)) is urgent


@pytest.mark.parametrize(("texts", "urgent"), [
    (("七 号 楼 的 电梯 卡 在 五 楼 不 动 了 里面 没 人",), False),
    (("电梯 停 在 负 一 楼 门 开 不 了", "刚 看 过 了 里头 没 人 的"), False),
    # someone inside, or no one answering from inside, stays an emergency
    (("电梯 卡 在 五 楼 不 动 了 我 喊 了 里面 没 人 应",), True),
    (("我 女儿 关 在 电梯 里面 出 不 来",), True),
])
def test_a_lift_stopped_with_no_one_inside_is_no_emergency_r19(texts: tuple[str, ...], urgent: bool) -> None:
    assert is_emergency(caller(*texts)) is urgent


def test_no_one_inside_a_stopped_lift_keeps_the_learned_signal_from_an_alert_r19() -> None:
    assert told_not_now("电梯停在一楼不动了按了没反应里面没人|好吧快点")
    assert not told_not_now("电梯停在一楼不动了按了没反应里面有人|快点")
