"""R5 learned beside the rules: each prediction carries its probability and the two likeliest
kinds; below the model's threshold the agent is asked; an emergency stays a repair (R19); the
shipped model holds its figure on the shipped test split, which it was never fitted on."""

from __future__ import annotations

from dataclasses import replace

import pytest

from callcenter.tickets.classifier import CategoryModel, Settings, default_model, labeled, shipped
from callcenter.tickets.scoring import macro_f1
from callcenter.tickets.transcript import Transcript, TranscriptError, parse_record


@pytest.fixture(scope="module")
def model() -> CategoryModel:
    return default_model()


def _call(text: str) -> object:
    return parse_record('{"id": "c", "turns": [{"speaker": "agent", "text": "您好 物业 服务 中心"}, '
                        f'{{"speaker": "caller", "text": "{text}"}}]}}', "test")


def test_a_prediction_carries_its_confidence_and_the_two_likeliest_kinds(model: CategoryModel) -> None:
    prediction = model.predict(_call("我 想 问 一下 物业费 怎么 交 可以 用 微信 吗"))  # type: ignore[arg-type]
    (first, p1), (second, p2) = prediction.top_two
    assert first == prediction.category and first != second
    assert 0 < p2 <= p1 == prediction.confidence <= 1
    assert prediction.ask_agent == (prediction.confidence < model.threshold)


def test_below_the_threshold_the_agent_is_asked(model: CategoryModel) -> None:
    call = _call("那个 就是 嗯 我 想 说 一下")
    strict = CategoryModel(model.settings, model._caller_vec, model._agent_vec, model._model, 1.01, 0)
    assert strict.predict(call).ask_agent  # type: ignore[arg-type]
    lenient = CategoryModel(model.settings, model._caller_vec, model._agent_vec, model._model, 0.0, 0)
    assert not lenient.predict(call).ask_agent  # type: ignore[arg-type]


def test_an_emergency_stays_a_repair_R19(model: CategoryModel) -> None:
    prediction = model.predict(_call("我 要 投诉 你们 楼道 里 全 是 烟"), emergency=True)  # type: ignore[arg-type]
    assert prediction.category == "repair" and not prediction.ask_agent


def test_the_shipped_model_on_the_shipped_test_split_it_never_saw(model: CategoryModel) -> None:
    test = shipped("test")
    fitted_on = {t.id for t in shipped("train")} | {t.id for t in shipped("dev")}
    assert not fitted_on & {t.id for t in test}
    f1, _ = macro_f1([(p.category, t.labels["category"]) for p, t in zip(model.predict_many(test), test,
                                                                          strict=True)])
    assert f1 >= 0.85


def test_a_model_survives_being_stored_and_loaded(model: CategoryModel) -> None:
    test = shipped("test")[:10]
    again = CategoryModel.loads(model.dumps())
    before, after = model.predict_many(test), again.predict_many(test)
    assert [p.category for p in after] == [p.category for p in before]
    assert all(abs(a.confidence - b.confidence) < 1e-9 for a, b in zip(after, before, strict=True))
    assert again.threshold == model.threshold


def test_a_stored_model_is_data_never_code() -> None:
    import pickle

    with pytest.raises(ValueError, match=r"cannot be read.*tickets refit"):
        CategoryModel.loads(pickle.dumps({"format": 1}))


def test_a_label_outside_the_kinds_is_named() -> None:
    line = ('{"id": "z", "turns": [{"speaker": "caller", "text": "你好"}], '
            '"labels": {"category": "咨询"}}')
    with pytest.raises(TranscriptError, match=r"call z: labels\.category must be one of repair"):
        labeled([line], "new.jsonl")


def test_fitting_learns_a_kind_from_examples_alone() -> None:
    train = shipped("train")
    relabeled = [replace(t, labels=t.labels | {"category": "praise"})
                 if t.labels["category"] == "billing" else t for t in train]
    fitted = CategoryModel.fit(relabeled, Settings(rule_weight=0.0))
    billing = [t for t in shipped("test") if t.labels["category"] == "billing"]
    assert billing and sum(p.category == "praise" for p in fitted.predict_many(billing)) > len(billing) / 2


def test_a_call_like_one_the_centre_labeled_takes_the_centres_category_r5() -> None:
    from callcenter.tickets.learning import fit_with
    from callcenter.tickets.transcript import Transcript, Turn

    def call(text: str, category: str | None = None) -> Transcript:
        return Transcript(id="c", turns=(Turn("agent", "您好 物业 服务 中心"), Turn("caller", text)),
                          labels={"category": category} if category else {})

    asked = call("修 水管 的 师傅 来 得 特别 快 态度 也 好")
    unrelated = call("楼 道 里 的 灯 坏 了 好 几 天 了")
    shipped_only = fit_with([])
    assert shipped_only.predict(asked).category != "praise"
    learned = fit_with([call("水管 维修 师傅 态度 特别 好 修 得 也 快", "praise")])
    assert learned.predict(asked).category == "praise"
    assert learned.predict(unrelated).category == shipped_only.predict(unrelated).category
    assert CategoryModel.loads(learned.dumps()).predict(asked).category == "praise"  # kept when stored


def test_learning_half_of_a_new_set_raises_the_other_halfs_score_r5() -> None:
    """The dev split stands for a centre's new calls (the model here is fitted on train only):
    the centre's agents label every other call, the calls between them score higher than before.
    The dev split never judges anything, so fixing this split costs no honesty."""
    dev = shipped("dev")
    learned, other = dev[0::2], dev[1::2]
    before = CategoryModel.fit(shipped("train"))

    def f1(model: CategoryModel) -> float:
        return macro_f1([(p.category, t.labels["category"]) for p, t in
                         zip(model.predict_many(other), other, strict=True)])[0]

    after = before.with_centre(learned[:40])
    assert f1(after) > f1(before)
    assert CategoryModel.loads(after.dumps()).predict_many(other) == after.predict_many(other)  # kept


def _labeled(text: str, category: str) -> Transcript:
    from callcenter.tickets.transcript import Turn

    return Transcript(id="c", turns=(Turn("agent", "您好 物业 服务 中心"), Turn("caller", text)),
                      labels={"category": category})


_ORDINARY_REPAIRS = ["我 家 厨房 水龙头 一直 滴水 麻烦 派 个 师傅 来 修 一下",
                     "卫生间 马桶 堵 了 冲 不 下去 能 来 人 通 一下 吗",
                     "楼道 的 灯 坏 了 晚上 黑 乎 乎 的 麻烦 来 换 个 灯泡",
                     "阳台 的 窗户 关 不 严 漏风 请 师傅 来 看看",
                     "电梯 按钮 按 了 没 反应 卡 在 五楼 了",
                     "暖气 片 不 热 摸 着 是 凉 的 来 人 放 放 气 吧"]
_UNSURE = ["拴马桩 那边 又 乱 了 好 几 天 了",
           "门口 拴马桩 上 拴 满 了 电动车",
           "那个 就是 嗯 我 想 说 一下",
           "我 想 给 小区 门口 的 拴马桩 挂 个 牌子"]


def test_a_few_centre_calls_the_model_already_gets_right_change_none_of_its_answers_r5(
        model: CategoryModel) -> None:
    """Six repairs the shipped model already gets right teach only that repairs are common: the
    model's unsure answers on other calls stay as they were."""
    centre = [_labeled(text, "repair") for text in _ORDINARY_REPAIRS]
    assert all(p.category == "repair" for p in model.predict_many(centre))
    unsure = [_call(text) for text in _UNSURE]
    learned = model.with_centre(centre)
    before = [p.category for p in model.predict_many(unsure)]  # type: ignore[arg-type]
    assert [p.category for p in learned.predict_many(unsure)] == before  # type: ignore[arg-type]


def test_a_centres_own_word_for_a_kind_is_learned_from_a_few_calls_r5(model: CategoryModel) -> None:
    """The centre's callers say 白条 for the receipt of what they paid: a few of its calls so
    labeled teach it, and a new call about it is billing."""
    receipts = [_labeled(text, "billing") for text in (
        "上 个 月 的 白条 还 没 给 我 开 呢",
        "麻烦 把 我 家 的 白条 开 一下 我 报销 用",
        "白条 能 开 成 公司 抬头 的 吗",
        "我 交 完 钱 了 白条 什么 时候 能 拿",
        "白条 上 的 名字 写 错 了 给 我 重 开 一张",
        "去年 的 白条 丢 了 还 能 补 吗")]
    asked = _call("白条 开 好 了 放 哪儿 我 去 拿")
    assert model.predict(asked).category != "billing"  # type: ignore[arg-type]
    learned = model.with_centre([_labeled(text, "repair") for text in _ORDINARY_REPAIRS] + receipts)
    assert learned.predict(asked).category == "billing"  # type: ignore[arg-type]
    assert CategoryModel.loads(learned.dumps()).predict(asked).category == "billing"  # type: ignore[arg-type]


def test_a_call_sharing_a_few_phrases_with_a_remembered_one_keeps_the_surer_kind_r5(
        model: CategoryModel) -> None:
    """A praise of the plumber is remembered; a new call that says the same pipe leaks again is
    a repair the model is surer of than the two calls are alike."""
    praise = _labeled("小 王 师傅 帮 我 修 好 了 厨房 的 水管 谢谢 他 啊", "praise")
    leak = _call("厨房 的 水管 又 漏水 了 地上 全是 水 师傅 帮 我 修 一下 啊")
    learned = model.with_centre([praise])
    assert learned.predict(leak).category == "repair"  # type: ignore[arg-type]
    assert learned.predict(_call("小 王 师傅 帮 我 修 好 了 厨房 的 水管 谢谢 他 啊")).category == "praise"  # type: ignore[arg-type]


def test_calls_alike_only_in_how_their_callers_speak_are_not_remembered_as_one_matter_r5(
        model: CategoryModel) -> None:
    """Two of the centre's callers speak the same mix of English and Chinese, one about a fee, one
    to thank a guard: the memory learns that being that alike is no sign of the same matter, and a
    third such caller asking about a fee is not taken for a praise."""
    fee = _labeled("Hello 你好 I am Peter 我 的 中文 不 太 好 sorry 我 想 问 the parking fee 怎么 pay "
                   "可以 用 card 吗 thank you bye", "billing")
    thanks = _labeled("Hello 你好 I am Anna 我 的 中文 不 太 好 sorry 我 想 say thank you 你们 的 "
                      "security guard very nice thank you bye", "praise")
    asked = _call("Hello 你好 I am Anna 我 的 中文 不 太 好 我 想 问 the water fee 交 了 没有 thank you bye")
    # with the thanks alone, nothing tells that this alike is no sign of one matter
    assert model.with_centre([thanks]).predict(asked).category == "praise"  # type: ignore[arg-type]
    assert model.with_centre([fee, thanks]).predict(asked).category == "billing"  # type: ignore[arg-type]
