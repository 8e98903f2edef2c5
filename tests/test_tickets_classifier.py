"""R5 learned beside the rules: each prediction carries its probability and the two likeliest
kinds; below the model's threshold the agent is asked; an emergency stays a repair (R19); the
shipped model holds its figure on the shipped test split, which it was never fitted on."""

from __future__ import annotations

from dataclasses import replace

import pytest

from callcenter.tickets.classifier import CategoryModel, Settings, default_model, labeled, shipped
from callcenter.tickets.scoring import macro_f1
from callcenter.tickets.transcript import TranscriptError, parse_record


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
