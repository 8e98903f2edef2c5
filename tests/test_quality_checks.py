"""R2/R3/R16 quality checks on the agent's side: greeting naming the centre, the apology of a late
answer, forbidden phrases with their time in the recording, the closing; stored per call and per
agent."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from callcenter.db.models.tickets import QualityFinding
from callcenter.db.session import make_engine, make_session_factory, unit_of_work
from callcenter.tickets import findings
from callcenter.tickets.forbidden import phrase_name
from callcenter.tickets.quality import check
from callcenter.tickets.scoring import score
from callcenter.tickets.transcript import Transcript, Turn

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


def agent_says(*lines: str, timed: bool = False) -> Transcript:
    turns = []
    for i, line in enumerate(lines):
        start, end = (i * 10.0, i * 10.0 + 4.0) if timed else (None, None)
        turns.append(Turn("agent", line, start, end))
        turns.append(Turn("caller", "嗯 好 的", None, None))
    return Transcript(id="q", turns=tuple(turns))


def test_standard_greeting_names_the_centre_r3() -> None:
    assert check(agent_says("您好 康泰 物业 服务 中心 工号 三 一 二 很 高兴 为 您 服务")).greeting_ok
    assert not check(agent_says("喂 你好")).greeting_ok
    assert not check(agent_says("喂 哪位")).greeting_ok
    assert check(agent_says("您好 深科 为 您 服务"), centre_name="深科").greeting_ok


def test_apology_of_a_late_answer_only_in_the_opening_r2() -> None:
    assert check(agent_says("对不起 让 您 久 等 了 您好 物业 服务 中心")).apology_given
    assert not check(agent_says("您好 物业 服务 中心", "非常 抱歉 上次 给 您 添 麻烦 了")).apology_given


@pytest.mark.parametrize(("line", "phrases"), [
    ("这个 我们 也 不 知道 啊", ["不知道"]),
    ("我 刚 来 的 不 太 清楚", ["不清楚"]),
    ("这 个 我们 不 管 的", ["我们不管"]),
    ("那 是 供电局 的 事 跟 我们 没 关系", ["跟我们没关系"]),
    ("这 个 我们 也 没 办法 解决", ["没办法解决"]),
    ("随便 你 吧", ["随便"]),
    ("你 找 谁", ["你找谁"]),
    ("你 是 谁 啊", ["你是谁"]),
    ("我 现在 很 忙 您 下次 再 打 电话 好 吗", ["我现在很忙"]),
    ("这 个 问题 我 不 会 处理", ["这个问题我不会处理"]),
    # polite look-alikes are not forbidden
    ("不知道 您 明天 上午 方便 吗", []),
    ("信号 不 好 我 听 不 清楚 麻烦 您 再 说 一 遍", []),
    ("您 有 事 随时 打 这个 电话", []),
    ("请问 您 找 哪 位 同事", []),
])
def test_forbidden_phrases_in_normal_form_r16(line: str, phrases: list[str]) -> None:
    assert check(agent_says("您好 物业 服务 中心", line)).forbidden_phrases == phrases


@pytest.mark.parametrize(("line", "phrases"), [
    ("你 到底 找 谁 呀", ["你找谁"]),
    ("这 事 跟 我们 没 关系", ["跟我们没关系"]),
    ("那 跟 我们 物业 没 什么 关系", ["跟我们没关系"]),
    ("关 我们 什么 事", ["跟我们没关系"]),
    ("我 也 不 清楚", ["不清楚"]),
    ("这个 我 也 不是 很 清楚", ["不清楚"]),
    ("我 也 不 晓得", ["不知道"]),
    ("这个 我们 也 没 办法", ["没办法解决"]),
    ("我们 这边 也 没有 办法 您 自己 找 人 吧", ["没办法解决"]),
    ("喂 ， 谁 啊", ["喂哪位"]),
    ("你 谁 呀", ["你是谁"]),
    ("这种 事 我们 管 不 了", ["我们不管"]),
    ("这个 不 归 我们 管", ["我们不管"]),
    ("我们 不 管 你 找 派出所", ["我们不管"]),
    ("我 现在 正 忙 您 晚点 再 打", ["我现在很忙"]),
    ("这个 我 不 会 弄", ["这个问题我不会处理"]),
    ("我 跟 您 说 了 不 知道 就是 不 知道", ["不知道"]),
    ("这 个 我 不 知道 您 打 燃气 公司 问 一下", ["不知道"]),
    ("具体 谁 装 的 我 也 不 知道 您 还有 别的 事 吗", ["不知道"]),
    ("我 也 不 怎么 清楚", ["不清楚"]),
    ("喂 喂 哪位", ["喂哪位"]),
    ("嗯 喂 您好 哪位", ["喂哪位"]),
    ("随 你 便 吧", ["随便"]),
    ("这个 跟 我们 一点 关系 都 没有", ["跟我们没关系"]),
    ("我们 也 没 什么 办法", ["没办法解决"]),
    ("这个 不是 我们 管 的", ["我们不管"]),
    ("我 现在 没 空 您 过 会儿 再 打", ["我现在很忙"]),
    ("这个 我 处理 不 了", ["这个问题我不会处理"]),
    # regional words
    ("这 事儿 跟 咱 物业 没 关系", ["跟我们没关系"]),
    ("这个 我 也 晓 不 得", ["不知道"]),
    ("这个 我们 也 莫得 办法", ["没办法解决"]),
    ("这 不 归 咱 管", ["我们不管"]),
])
def test_forbidden_phrases_said_with_small_variations_r16(line: str, phrases: list[str]) -> None:
    assert check(agent_says("您好 物业 服务 中心", line)).forbidden_phrases == phrases


@pytest.mark.parametrize("line", [
    # part of a longer question, or the caller's own not knowing
    "您 知道 不 知道 是 哪 个 单元 的 车",
    "您 知 不 知道 那 个 车 牌",
    "您 清 不 清楚 具体 几 点",
    "您 不 知道 门牌 号 也 没 关系 我 帮 您 查",
    "有 什么 不 清楚 的 随时 问 我",
    "公告 上 写 得 不 清楚 我们 改",
    # a condition
    "如果 您 不 清楚 的话 我 让 管家 联系 您",
    "如果 今天 解决 不 了 明天 再 派 人",
    # negated
    "我们 不 能 说 跟 我们 没 关系 这 是 我们 的 责任",
    "我们 不 会 跟 您 说 不 清楚 的 我 查 一下",
    "公共 区域 不 能 随便 堆 东西",
    "请 不要 随便 停 车",
    "谁 说 跟 我们 没 关系 我们 管",
    # someone else's words, reported or named
    "您 是 说 保安 跟 您 讲 跟 我们 没 关系 是 吧 这 是 不 对 的",
    "保安 说 不 知道 是 他 不 对 我 给 您 道歉",
    "像 跟 我们 没 关系 这种 话 我们 是 不 说 的",
    # the same characters meaning something else
    "我们 不管 多 晚 都 有 人 接",
    "不管 你 找 谁 都 要 先 登记",
    "没 关系 的 您 慢慢 说",
    "这 个 跟 您 没 关系 是 开发商 保修",
    "停水 了 没 办法 您 先 接 点 水",
    "师傅 说 今天 零件 没 到 没 办法 修 明天 一早 过去",
    "有 事 您 下次 再 打 这个 电话",
    "您 下次 再 打 过来 直接 报 这个 单号 就 行",
    "我 这边 忙 完 给 您 回 电话",
    "我们 会 想 办法 解决",
    "招商 不 归 我们 管 您 打 招商部 电话",
    "这 不是 我们 管 的 您 可以 联系 街道 办",
    "不 知道 您 明天 在 不 在 家",
    "很多 业主 不 知道 这个 规定 我们 会 贴 通知",
    "不 知道 您 这边 还有 其他 问题 吗",
    "小区 里 不 允许 随便 遛狗 不 拴 绳",
    "师傅 也 不 清楚 您 家 在 哪 我 把 地址 发 给 他",
    "维修 师傅 们 都 忙 着 呢 下午 两 点 到",
])
def test_look_alikes_of_forbidden_phrases_are_not_flagged_r16(line: str) -> None:
    assert check(agent_says("您好 物业 服务 中心", line)).forbidden_phrases == []


def test_the_caller_saying_a_forbidden_phrase_is_not_the_agents_fault_r16() -> None:
    t = Transcript(id="c", turns=(Turn("agent", "您好 物业 服务 中心"),
                                  Turn("caller", "那 你们 就 不 管 了 吗 我 不 知道")))
    assert check(t).forbidden_phrases == []


def test_opening_with_wei_nawei_is_a_forbidden_phrase_at_second_zero_r3_r16() -> None:
    report = check(agent_says("喂 哪位", "不是 这 是 物业 你 找 谁", timed=True))
    assert report.forbidden_phrases == ["喂哪位", "你找谁"]
    assert report.forbidden[0].at_seconds == 0.0
    assert 10.0 < (report.forbidden[1].at_seconds or 0) < 14.0  # inside the second agent turn


def test_closing_is_the_agents_last_words_r16() -> None:
    assert check(agent_says("您好 物业 服务 中心", "注意 安全 再见")).closing_ok
    assert not check(agent_says("您好 物业 服务 中心 再见", "您 稍 等 一会儿")).closing_ok


def test_findings_are_stored_per_call_and_counted_per_agent_r2_r16(database_url: str) -> None:
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    late_without_apology = check(agent_says("喂 你好", "这个 我 不 知道", timed=True))
    fine = check(agent_says("对不起 让 您 久 等 了 您好 物业 服务 中心 工号 一 零 二",
                            "感谢 您 的 来电 再见"))
    with unit_of_work(sessions) as s:
        findings.store(s, None, "101", late_without_apology, answered_late=True, now=NOW)
        findings.store(s, None, "102", fine, answered_late=True, now=NOW)
    with unit_of_work(sessions) as s:
        rows = s.scalars(select(QualityFinding).order_by(QualityFinding.id)).all()
        assert [(r.agent_id, r.kind) for r in rows] == [
            ("101", "greeting_missing"), ("101", "apology_missing"), ("101", "forbidden_phrase"),
            ("101", "closing_missing")]
        assert rows[2].detail == "不知道"
        assert rows[2].at_seconds is not None and 10 <= rows[2].at_seconds <= 14
        assert findings.by_agent(s)["101"]["forbidden_phrase"] == 1
        assert "102" not in findings.by_agent(s)
    engine.dispose()


def test_on_time_answer_needs_no_apology_r2() -> None:
    report = check(agent_says("您好 物业 服务 中心 工号 一 零 一", "再见"))
    assert [k for k, _, _ in findings.findings_of(report, answered_late=False)] == []
    assert [k for k, _, _ in findings.findings_of(report, answered_late=True)] == ["apology_missing"]


def test_a_greeting_without_the_agents_number_is_flagged_r3() -> None:
    anonymous = check(agent_says("你好 康泰 物业 服务 中心 请问 有 什么 可以 帮 您", "再见"))
    assert anonymous.greeting_ok and not anonymous.identified
    assert [k for k, _, _ in findings.findings_of(anonymous, answered_late=False)] == ["self_id_missing"]
    assert check(agent_says("您好 康泰 物业 服务 中心 工号 三 一 二 很 高兴 为 您 服务")).identified
    assert check(agent_says("您好 物业 服务 中心 三 一 八 号 为 您 服务")).identified


@pytest.mark.parametrize(("label", "name"), [
    ("我现在很忙，您下次再打电话好吗", "我现在很忙"),
    ("我现在很忙您下次再打电话好吗", "我现在很忙"),
    ("喂，哪位", "喂哪位"),
    ("跟 我们 没 关系", "跟我们没关系"),
    ("不知道", "不知道"),
])
def test_a_label_may_name_a_forbidden_phrase_as_r16_writes_it_r16(label: str, name: str) -> None:
    assert phrase_name(label) == name


def test_scoring_counts_r16s_own_wording_as_the_phrase_found_r16() -> None:
    labels = {"category": "complaint", "urgent": False, "caller_name": None, "address": None, "phone": None,
              "preferred_time": None, "greeting_ok": True, "apology_given": False, "closing_ok": False,
              "forbidden_phrases": ["我现在很忙，您下次再打电话好吗"]}
    call = Transcript(id="busy", labels=labels, turns=(
        Turn("agent", "您好 物业 服务 中心"), Turn("caller", "我 要 投诉 楼上 噪音"),
        Turn("agent", "我 现在 很 忙 您 下次 再 打 电话 好 吗")))
    result = score([call])
    assert result.forbidden == {"precision": 1.0, "recall": 1.0}
    assert not any("forbidden_phrases" in error for error in result.errors)


@pytest.mark.parametrize(("line", "phrases"), [
    ("喂 你 是 谁 呀", ["你是谁"]),  # 喂 … 谁呀 is also a way of 喂哪位: one saying, one finding
    ("喂 你 找 谁 啊", ["你找谁"]),
    ("喂 是 谁 呀", ["喂哪位"]),
    ("喂 哪位 啊 你 是 谁", ["喂哪位", "你是谁"]),  # two sayings
])
def test_one_saying_is_one_forbidden_phrase_r16(line: str, phrases: list[str]) -> None:
    assert check(agent_says(line)).forbidden_phrases == phrases


@pytest.mark.parametrize(("line", "phrases"), [
    # R16's phrases in regional words: Cantonese 唔知 / 唔清楚 / 唔关我哋事, Wu 伐晓得 / 搭阿拉没关系,
    # south-west 没得关系 / 管不到 / 忙得很
    ("水表 的 事 我 唔 知", ["不知道"]),
    ("几时 停 水 我 都 唔 清楚", ["不清楚"]),
    ("个 招牌 唔 关 我哋 事", ["跟我们没关系"]),
    ("迭个 事体 我 伐 晓得", ["不知道"]),
    ("车子 停 在 外头 搭 阿拉 没 关系 的", ["跟我们没关系"]),
    ("那 是 供电局 的 事 跟 我们 没得 关系", ["跟我们没关系"]),
    ("楼下 开 馆子 的 我们 管 不 到", ["我们不管"]),
    ("我 这 会儿 忙 得 很 你 晚些 再 打", ["我现在很忙"]),
    # look-alikes in the same words
    ("唔 知 您 几时 方便 师傅 上门", []),  # a polite question
    ("唔该 晒 我 帮 您 登记 咗", []),
    ("您 不 晓得 单号 也 没 关系 我 帮 您 查", []),
    ("保安 说 跟 我们 没得 关系 是 他 讲 错 了", []),  # someone else's words reported
    ("师傅 们 都 忙 得 很 我 先 给 您 登记", []),
])
def test_forbidden_phrases_in_regional_words_r16(line: str, phrases: list[str]) -> None:
    assert check(agent_says(line)).forbidden_phrases == phrases


@pytest.mark.parametrize(("line", "phrases"), [
    ("西 苑 那边 不是 我们 管 的 小区 具体 我 不清楚", ["不清楚"]),  # describing another estate
    ("对面 大厦 不 归 我们 管 的", ["我们不管"]),  # refusing the caller's matter
])
def test_another_estate_described_as_not_ours_is_no_refusal_r16(line: str, phrases: list[str]) -> None:
    assert check(agent_says("您好 物业 服务 中心", line)).forbidden_phrases == phrases
