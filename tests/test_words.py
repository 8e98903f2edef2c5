"""One place turns values into words (issue 14): both catalogues carry every key the code and the
templates use and every internal value a person may see, in Chinese and English, with the same
placeholders; times come out in the hotline's zone, durations and figures without raw floats."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from babel.messages.pofile import read_po

from callcenter.words.catalogue import LANGS, gettext, msgids, ngettext, po_path
from callcenter.words.enums import ENUMS, enum_keys, word
from callcenter.words.formats import local_time, number_text, percent_text, seconds_text, talk_text
from callcenter.words.template import used_keys

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def entries(lang: str) -> dict[str, tuple[str, ...]]:
    with po_path(lang).open("rb") as po:
        catalog = read_po(po)
    out = {}
    for m in catalog:
        if not m.id:
            continue
        key = m.id[0] if isinstance(m.id, tuple) else m.id
        texts = m.string if isinstance(m.string, tuple) else (m.string,)
        out[key] = tuple(texts[: catalog.num_plurals])
    return out


def test_both_catalogues_translate_every_key_with_the_same_placeholders() -> None:
    zh, en = entries("zh"), entries("en")
    assert set(zh) == set(en)
    for key in zh:
        assert all(zh[key]) and all(en[key]), f"{key}: an empty translation"
        wanted = {frozenset(PLACEHOLDER.findall(t)) for t in (*zh[key], *en[key])}
        assert len(wanted) == 1, f"{key}: the languages fill in different values {wanted}"


def test_every_key_the_code_and_templates_use_is_in_the_catalogues() -> None:
    missing = used_keys() - msgids()
    assert not missing, f"add to the .po files (make catalogues): {sorted(missing)}"


@pytest.mark.parametrize("lang", LANGS)
def test_every_internal_value_has_words_that_are_not_the_value_itself(lang: str) -> None:
    for key in enum_keys():
        kind, _, value = key.partition(".")
        text = word(lang, kind, value)
        assert text != key, f"{key} missing in {lang}"
        if lang == "zh":  # Chinese first: no internal English word shown to a Chinese reader
            assert re.search(r"[\u4e00-\u9fff]", text) or text[0].isdigit(), f"{key}: {text!r}"


def test_the_words_are_chinese_first_and_english_with_lang_en() -> None:
    assert word("zh", "hangup_first", "caller") == "来电人"
    assert word("en", "hangup_first", "caller") == "caller"
    assert word("zh", "desk_action", "log_in") == "签入"
    assert word("zh", "figure", "all") == "全部通话"
    assert gettext("en", "login_wait", seconds=30) == "Too many attempts; try again in 30 s"
    assert ngettext("en", "total_calls", "total_calls_plural", 1) == "1 call"
    assert ngettext("en", "total_calls", "total_calls_plural", 2) == "2 calls"
    assert ngettext("zh", "total_calls", "total_calls_plural", 2) == "共 2 通"


def test_a_value_that_is_no_enum_is_said_as_it_is_never_as_a_key() -> None:
    assert word("zh", "greeting", None) == ""
    assert word("zh", "greeting", "something_new") == "something_new"
    assert set(ENUMS["greeting"]) == {"standard", "apology"}


def test_times_are_the_hotlines_local_time_whatever_zone_they_come_in() -> None:
    at = dt.datetime(2026, 12, 6, 15, 30, 5, tzinfo=dt.UTC)  # 23:30:05 in Asia/Shanghai
    assert local_time(at, "Asia/Shanghai", "zh") == "2026-12-06 23:30:05"
    assert local_time(at.replace(tzinfo=None), "Asia/Shanghai", "en", "clock") == "23:30"  # naive = UTC
    assert local_time(at.timestamp(), "Asia/Shanghai", "en", "precise") == "23:30:05.000"  # AMI stamps
    assert local_time(at, "Asia/Shanghai", "zh", "medium") == "2026年12月6日 23:30:05"


def test_durations_and_figures_never_show_the_raw_float() -> None:
    assert seconds_text(4.832150936126709) == "4.8"
    assert talk_text(131.90573596954346, "zh") == "2分12秒" and talk_text(131.9, "en") == "2 min 12 s"
    assert (talk_text(45.4, "zh"), talk_text(45.4, "en")) == ("45秒", "45 s")
    assert (talk_text(3725.2, "zh"), talk_text(3725.2, "en")) == ("1小时02分05秒", "1 h 02 min 05 s")
    assert talk_text(None, "zh", "–") == "–"
    assert number_text(1234.56789, "en") == "1,234.6"
    assert number_text(12.0, "zh") == "12"
    assert percent_text(76.94444, "zh") == "76.9%"
    assert seconds_text(None, "–") == "–"
