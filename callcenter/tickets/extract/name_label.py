"""R4: the normal form in which a labeled name and the extracted one are compared: a label may
keep a title as the caller or agent said it (陈小姐, 黎阿姨, 林生), the ticket writes 先生 or 女士, and
the scorer reads both the same."""

from __future__ import annotations

import re

from callcenter.tickets.extract.name_words import AGENT_TITLES, TITLES

# Titles a label may keep as the caller or agent said them; the ticket writes 先生 / 女士.
_LABEL_TITLES = {**AGENT_TITLES, **TITLES, "阿姐": "女士", "阿婆": "女士", "婆婆": "女士", "伯伯": "先生",
                 "阿伯": "先生", "师傅": "先生"}
# Any surname a label writes (also those the extraction does not know); 生 only after one character.
_LABEL_TITLED = re.compile(rf"(?P<s>[\u4e00-\u9fff]{{1,2}}?)(?P<t>{'|'.join(_LABEL_TITLES)})|"
                           r"(?P<s1>[\u4e00-\u9fff])生")


def name_label(label: str) -> str:
    """The normal form of a name as a label writes it: surname and a title as said (陈小姐, 黎阿姨,
    林生) → 陈女士, 黎女士, 林先生; a full name as it is."""
    match = _LABEL_TITLED.fullmatch(label)
    if not match:
        return label
    if match.group("s1"):
        return match.group("s1") + "先生"
    return match.group("s") + _LABEL_TITLES[match.group("t")]
