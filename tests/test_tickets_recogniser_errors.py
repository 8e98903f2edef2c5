"""The recogniser-error simulator behind the CER figures (bench/ticket_category.py): it reaches
about the asked character error rate, replaces characters only by ones that sound alike, and
leaves a transcript alone at 0 %."""

from __future__ import annotations

import random

from pypinyin import Style, lazy_pinyin

from callcenter.tickets.classifier import shipped
from tests.support.recogniser_errors import Homophones, char_error_rate, degrade, degrade_text


def test_the_measured_cer_is_near_the_asked_one() -> None:
    calls = shipped("test")
    homophones = Homophones(t.text for c in calls for t in c.turns)
    for asked in (0.1, 0.2, 0.3):
        noisy = [degrade(c, asked, random.Random(1), homophones) for c in calls]
        assert asked * 0.7 <= char_error_rate(calls, noisy) <= asked * 1.1
    assert degrade(calls[0], 0.0, random.Random(1), homophones) == calls[0]


def test_a_replaced_character_sounds_alike() -> None:
    homophones = Homophones(["是 十 事 市 四 死 师 诗"])
    said = degrade_text("是", 1.0, random.Random(3), homophones)
    for ch in said.replace(" ", ""):
        assert lazy_pinyin(ch, style=Style.NORMAL)[0] in {"shi", "si"}
