"""Supervisor alerts say their head in Chinese, then in English (the wallboard's ?lang=en reader
is not left with Chinese only), and what they are about once after the colon; an agent, who sees
the head only (R17), still gets both languages. R19's dangers are named in words in each."""

from __future__ import annotations

from callcenter.live.spotting import Spotter
from callcenter.privacy import alert_for_role
from callcenter.words.alerts import alert_text, danger_name, danger_names


def test_a_dangers_kind_or_its_chinese_name_reads_in_either_language_r19() -> None:
    assert (danger_name("gas", "zh"), danger_name("gas", "en")) == ("燃气泄漏", "gas leak")
    assert danger_name("电梯困人", "en") == "people trapped in a lift"  # as spotted live
    assert danger_name("困在车库", "en") == "困在车库"  # the centre's own alert word, as written
    assert (danger_names(["gas", "fire"], "zh"), danger_names(["gas", "fire"], "en")) == (
        "燃气泄漏、火情", "gas leak, fire")
    assert (danger_name("person", "zh"), danger_name("person", "en")) == ("危及人身", "a person in danger")


def test_an_agent_sees_the_head_in_both_languages_without_what_was_said_r17() -> None:
    (spotted,) = Spotter().spot("caller", "我 家 厨房 的 煤气 有 味 138 0013 8000")
    text = alert_text(f"紧急情况（{spotted.label}）", f"emergency ({danger_name(spotted.label, 'en')})",
                      spotted.words)
    assert text == "紧急情况（燃气泄漏） / emergency (gas leak)：我 家 厨房 的 煤气 有 味 138 0013 8000"
    shown = alert_for_role({"text": text}, sees_personal_data=False)
    assert shown["text"] == "紧急情况（燃气泄漏） / emergency (gas leak)"
