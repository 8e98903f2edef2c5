"""The recogniser-error simulator behind the CER figures (bench/ticket_category.py): it reaches
about the asked character error rate, replaces characters only by ones that sound alike, and
leaves a transcript alone at 0 %."""

from __future__ import annotations

import random

from pypinyin import Style, lazy_pinyin

from callcenter.tickets.classifier import shipped
from tests.support.recogniser_errors import (
    Homophones,
    _reread_numbers,
    char_error_rate,
    degrade,
    degrade_text,
)


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


def test_a_room_said_digit_by_digit_is_read_as_hundreds_but_a_phone_number_never() -> None:
    """The simulated recogniser reads a room (四 零 二) as 四百 零 二 now and then; a phone number
    said digit by digit is not a room, and none of its digits become hundreds."""
    nobody_alike = Homophones([])
    room = degrade_text("我 住 四 零 二", 0.0, random.Random(1), nobody_alike)
    phone = "电话 幺 三 八 四 三 零 二 五 六 七 八"
    rooms = {_reread_numbers(room, random.Random(seed), 1.0) for seed in range(5)}
    assert rooms == {"我 住 四百 零 二"}
    assert all(_reread_numbers(phone, random.Random(seed), 1.0) == phone for seed in range(5))
