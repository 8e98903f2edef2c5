"""R19 in words no cue rule lists: the learned second signal beside the emergency cues
(callcenter/tickets/urgent_model.py). A call whose caller describes a danger now in words of
their own is urgent, and says the model judged it; a danger told as past, or a drill, is not;
the shipped test split keeps urgent recall 1.0 with false alarms within the product limit (at most
5 % of its non-urgent calls), also under simulated recogniser errors."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from callcenter.tickets.builder import extract
from callcenter.tickets.extract.urgent import emergency_kinds, told_not_now
from callcenter.tickets.scoring import load, score
from callcenter.tickets.transcript import Transcript, Turn
from callcenter.tickets.urgent_model import SETTINGS, SUSPECTED, shipped_urgent_model
from callcenter.words.alerts import danger_names
from tests.support.recogniser_errors import Homophones, degrade

TEST_SPLIT = Path(__file__).parents[1] / "callcenter" / "tickets" / "data" / "test.jsonl"
FALSE_ALARM_LIMIT = 0.05  # of the non-urgent calls (docs/ticket-evaluation.md, "Urgency learned, shipped")


def caller(text: str) -> Transcript:
    return Transcript(id="t", turns=(Turn("agent", "您好 物业 服务 中心"), Turn("caller", text)))


@pytest.mark.parametrize("text", [
    # a leaking gas pipe told by its hiss and smell, without gas, 漏气 or 臭鸡蛋
    "你好 快 派 人 来 我 家 楼下 那个 管道井 里 呲呲 往外 冒 气 整 层 都 是 那个 臭 味 我 头 都 晕 了",
    # a person fallen and shut in, without 晕倒, 锁在 or 叫不醒
    "喂 你好 我 妈 一个人 在 家 摔 在 卫生间 起 不来 了 门 从 里面 锁 着 我 在 外地 赶 不 回去 "
    "求 你们 快 去 看 一下",
    # a sign coming loose above children, without 要倒, 掉下来 or 晃
    "喂 三 栋 楼顶 那个 大 广告牌 被 风 吹 得 一 头 已经 脱开 了 底下 就是 幼儿园 门口",
])
def test_an_emergency_in_words_no_cue_lists_is_urgent_and_says_the_model_judged_it_r19(text: str) -> None:
    call = caller(text)
    assert emergency_kinds(call) == []  # no cue rule names it
    extraction = extract(call)
    assert extraction.urgent and extraction.emergency == [SUSPECTED]
    assert "[紧急]" in extraction.summary
    assert danger_names(extraction.emergency, "zh") == "模型判断疑似紧急"
    assert danger_names(extraction.emergency, "en") == "suspected emergency, judged by the model"


@pytest.mark.parametrize("text", [
    "你好 上 个 礼拜 我们 楼 电梯 关 过 人 后来 修好 了 我 就 想 问 一下 维保 记录",
    "你好 下 周三 小区 搞 消防 演练 要 拉 警报 我 想 问 一下 几 点 开始",
    "你好 我 想 问 一下 去年 那次 燃气 泄漏 以后 管道 换 了 没有",
])
def test_a_danger_told_as_past_or_a_drill_is_not_urgent_r19(text: str) -> None:
    extraction = extract(caller(text))
    assert not extraction.urgent and extraction.emergency == []


def test_a_danger_the_rules_read_as_past_is_not_made_urgent_by_the_model_r19() -> None:
    """The rules' "not now" reading vetoes the model: yesterday's gas smell, aired since."""
    call = caller("昨天 晚上 厨房 一股 煤气 味 我 头 晕 得 不行 开 窗 散 了 一 晚上 "
                  "你们 找 人 来 查 一下 管子")
    assert emergency_kinds(call) == [] and told_not_now(call.words("caller"))
    assert shipped_urgent_model().probability(call) >= SETTINGS.threshold  # the model alone would raise it
    assert not extract(call).urgent


@pytest.mark.parametrize("words", [
    "家 里 一下 全 黑 了 啥 味 也 木有 就是 不 来 电",  # 木有: none at all
    "墙 里 啪 的 一声 我 开门 看 了 也 没 见 烟",  # looked and saw no smoke
])
def test_a_caller_saying_there_is_no_smoke_or_smell_at_all_vetoes_the_model_r19(words: str) -> None:
    """One flat without power, the caller saying there is no smell or smoke: the model may not call it
    an emergency."""
    assert told_not_now(caller(words).words("caller"))


def test_the_shipped_test_split_keeps_urgent_recall_with_few_false_alarms_r19() -> None:
    calls = load(TEST_SPLIT)
    result = score(calls)
    assert result.urgent["recall"] == 1.0, result.errors
    non_urgent = sum(1 for t in calls if not t.labels["urgent"])
    assert result.urgent["false_alarms"] <= FALSE_ALARM_LIMIT * non_urgent


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_shipped_test_split_at_20_percent_recogniser_errors_keeps_urgent_recall_r19(seed: int) -> None:
    calls = load(TEST_SPLIT)
    homophones = Homophones(turn.text for t in calls for turn in t.turns)
    rng = random.Random(seed)
    heard = [degrade(t, 0.2, rng, homophones) for t in calls]
    urgent = [t for t in heard if t.labels["urgent"]]
    assert sum(1 for t in urgent if extract(t).urgent) / len(urgent) >= 0.95
