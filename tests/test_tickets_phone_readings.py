"""R4 when the recogniser loses a digit of the contact number: the caller's reading and the agent's
read-back put together, a read-back heard short not taken for a correction, and no number made up
when the digit is lost everywhere it was said."""

from __future__ import annotations

import pytest

from callcenter.tickets.extract.phone import extract_phone
from callcenter.tickets.transcript import Transcript, Turn


def call(*turns: tuple[str, str]) -> Transcript:
    return Transcript(id="t", turns=tuple(Turn(speaker, text) for speaker, text in turns))  # type: ignore[arg-type]


def test_r4_two_readings_that_each_lost_a_digit_make_the_number() -> None:
    t = call(("agent", "您 的 联系 电话"), ("caller", "幺 三 九 零 七 二 六 五 八 三"),  # 二 lost
             ("agent", "幺 三 九 二 零 七 二 六 五 三 对 吧"))  # 八 lost
    assert extract_phone(t) == "13920726583"


def test_r4_a_reading_whose_ends_were_heard_as_words_still_counts() -> None:
    t = call(("caller", "电话 衣 五 七 三 三 三 零 六 九 尔"),  # 衣 for 一, 尔 for 二, the 八 lost
             ("agent", "一 五 七 三 三 零 八 六 九 二 好 的"))  # a 三 lost
    assert extract_phone(t) == "15733308692"


@pytest.mark.parametrize("readback", [
    "幺 三 九 零 七 二 六 五 八 三 对 吧",  # both lost the same digit
    "幺 三 九 零 七 二 六 五 三 对 吧",  # nothing in either to put back in one place only
])
def test_r4_no_number_is_made_up_when_the_readings_cannot_give_one(readback: str) -> None:
    t = call(("caller", "幺 三 九 零 七 二 六 五 八 三"), ("agent", readback))
    assert extract_phone(t) is None


def test_r4_a_read_back_heard_short_and_run_into_a_name_is_not_a_correction() -> None:
    t = call(("caller", "幺 五 二 六 八 三 零 九 四 七 一"),
             ("agent", "幺 五 二 六 三 零 九 四 七 一 刘 师傅 马上 到"))  # 八 lost, 刘 heard as 六
    assert extract_phone(t) == "15268309471"


def test_r4_a_read_back_heard_short_after_the_room_is_not_a_correction() -> None:
    t = call(("caller", "电话 幺 八 七 二 幺 六 零 三 三 五 九"),
             ("agent", "三 零 一 室 幺 八 七 二 六 零 三 三 五 九 对 吧"))  # a 幺 lost
    assert extract_phone(t) == "18721603359"


def test_r4_a_correction_of_one_digit_still_wins() -> None:
    t = call(("caller", "幺 五 二 六 八 三 零 九 四 七 一"),
             ("agent", "幺 五 二 六 八 三 零 九 四 七 一 对 吗"),
             ("caller", "不 对 最后 是 幺 五 二 六 八 三 零 九 四 七 六"))
    assert extract_phone(t) == "15268309476"


def test_r4_hundred_heard_inside_a_number_read_with_sound_alikes() -> None:
    assert extract_phone(call(("caller", "电话 要 五百 零 八 二 七 三 六 四 一 九"))) == "15082736419"
    assert extract_phone(call(("caller", "一共 是 三百 零 五 块"))) is None


def test_r4_a_mobile_heard_short_after_dianhua_is_no_local_landline() -> None:
    assert extract_phone(call(("caller", "电话 幺 三 八 五 二 七 六 零"))) is None  # three digits lost
    assert extract_phone(call(("caller", "座机 六 二 九 四 幺 零 五 八"))) == "62941058"
