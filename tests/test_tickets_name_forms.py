"""The caller's name on the ticket (R4, R15) in forms callers use: an English name given in Latin
letters, a full name said after a nickname or a relation, a name told with 叫 before the matter, a
word after a self-description that is no name, a surname known by 老, the title from what the caller
tells of themselves, and a titled name the caller is only the relation of."""

from __future__ import annotations

import pytest

from callcenter.tickets.extract.name import extract_name
from callcenter.tickets.transcript import Transcript, Turn


def call(*turns: tuple[str, str]) -> Transcript:
    return Transcript(id="t", turns=tuple(Turn(speaker, text) for speaker, text in turns))  # type: ignore[arg-type]


_HELLO = ("agent", "您好 物业 服务 中心 请问 有 什么 可以 帮 您")


@pytest.mark.parametrize(("turns", "name"), [
    # an English name as the caller gives it, with a title they say
    ((_HELLO, ("caller", "hi 我 是 Sophie 我 住 七 栋 五 零 二 热水器 不 出 热水")), "Sophie"),
    ((_HELLO, ("caller", "hello my name is Daniel Ross 我 住 C 座 八 零 八")), "Daniel Ross"),
    ((_HELLO, ("caller", "good morning I am Mrs Patel 我 的 门禁卡 坏 了")), "Mrs Patel"),
    ((_HELLO, ("caller", "空调 漏水 了 你们 叫 我 Tony 就 行 电话 幺 三 八 零 零 幺 二 三 四")), "Tony"),
    # a Chinese surname the caller gives as theirs wins; a firm or a word that is no name is none
    ((_HELLO, ("caller", "我 是 Tony 中文 姓 郑 郑州 的 郑"), ("agent", "好 的 郑 先生 请 讲")), "郑先生"),
    ((_HELLO, ("caller", "我 是 Apple 公司 的 来 问 一下 停车 的 事")), None),
    # someone else's surname does not stop the caller's English name
    ((_HELLO, ("caller", "我 是 Grace 我 的 房东 他 姓 周 会 打 给 你们")), "Grace"),
])
def test_a_name_given_in_latin_letters_is_kept_as_said_r4(turns: tuple[tuple[str, str], ...],
                                                           name: str | None) -> None:
    assert extract_name(call(*turns)) == name


@pytest.mark.parametrize(("turns", "name"), [
    # the nickname 老 + surname, then the whole name in one word
    ((_HELLO, ("caller", "我 是 九 号 楼 的 老 严 严 志刚 想 问 一下 暖气 费")), "严志刚"),
    # 老 + surname + 老汉 is what the caller is, no given name
    ((_HELLO, ("caller", "我 是 四 栋 的 老 韩 韩 老汉 楼道 灯 不 亮"),
      ("agent", "好 的 韩 大爷 我们 派 电工")), "韩先生"),
    # 叫 and the name, then the matter with a count
    ((_HELLO, ("caller", "我 叫 孟 春燕 一 个 月 前 报 的 修 还 没 人 来")), "孟春燕"),
    # the name right after the room, then the caller asks the agent to note it
    ((_HELLO, ("caller", "暖气 不 热 三 号 楼 二 零 五 侯 建新 记 下 了 吗"), ("agent", "侯 先生 记 下 了")),
     "侯建新"),
    # the caller's relation to someone just spoken of, then 叫 and the caller's own name
    ((_HELLO, ("caller", "我 妈 叫 孔 秀梅 我 是 她 女儿 叫 孔 丹 电话 打 我 的")), "孔丹"),
])
def test_a_full_name_said_after_a_nickname_a_relation_or_before_the_matter_r4(
        turns: tuple[tuple[str, str], ...], name: str) -> None:
    assert extract_name(call(*turns)) == name


@pytest.mark.parametrize(("turns", "name"), [
    # 我是上夜班的 tells what the caller does: the word after it is no name
    ((_HELLO, ("caller", "楼下 装修 太 吵 我 是 做 夜班 的 白天 要 睡觉"),
      ("agent", "邹 女士 我们 去 跟 装修 的 说")), "邹女士"),
    # known by 老 and the surname at the end of a self-introduction; his wife tells his title
    ((_HELLO, ("caller", "我 是 二 号 楼 三 门 的 老 杭 我 问 一下"), ("caller", "我 老婆 说 水表 不 走 了"),
      ("agent", "好 的 杭 老师 我们 去 看")), "杭先生"),
    # 我一个女孩子住: the caller's title from what she is
    ((_HELLO, ("caller", "我 一 个 女孩子 住 门锁 坏 了 很 怕"), ("caller", "我 姓 邱 电话 幺 三")),
     "邱女士"),
    # the caller is the relation of a titled person: the caller's own surname takes the agent's title
    ((_HELLO, ("caller", "我 是 十 栋 陆 女士 的 管家 我 也 姓 陆 是 她 哥哥"),
      ("agent", "陆 先生 您好 请 讲")), "陆先生"),
])
def test_words_that_are_no_name_and_the_callers_own_title_r4(turns: tuple[tuple[str, str], ...],
                                                             name: str) -> None:
    assert extract_name(call(*turns)) == name
