"""A supervisor alert's words: its head in Chinese, then in English, then after the colon what it
is about (a ticket's summary, the words heard), once. The wallboard shows the text as it is; an
agent sees the head only (``privacy.alert_for_role`` cuts at the first colon), in both languages.
"""

from __future__ import annotations

from collections.abc import Iterable

from callcenter.words.enums import ENUMS, word


def alert_text(chinese: str, english: str, about: str) -> str:
    """``紧急工单 #12（燃气泄漏） / urgent ticket #12 (gas leak)：厨房有煤气味``."""
    return f"{chinese} / {english}：{about}"


def danger_name(danger: str, lang: str) -> str:
    """An emergency kind (``gas``) or its Chinese name (燃气泄漏, as spotted live) in ``lang``;
    a centre's own alert word (hotline file) stays as it is."""
    for kind in ENUMS["danger"]:
        if danger in (kind, word("zh", "danger", kind)):
            return word(lang, "danger", kind)
    return danger


def danger_names(dangers: Iterable[str], lang: str) -> str:
    names = [danger_name(d, lang) for d in dangers]
    return "、".join(names) if lang == "zh" else ", ".join(names)
