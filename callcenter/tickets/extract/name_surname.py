"""R4: a surname the caller gives without a title (我姓李, 免贵姓张, 我是七零二的潘老师), and the
surnames said of someone else (他姓王) that are not the caller's; a foreign surname of more than one
character when the agent says it back (米勒 先生). The title it takes is chosen in name_titled.py."""

from __future__ import annotations

import re

from callcenter.tickets.extract.name_words import ANY_SURNAME as _ANY_SURNAME
from callcenter.tickets.extract.name_words import COMPOUND_SURNAMES, TITLES
from callcenter.tickets.extract.name_words import SURNAME as _SURNAME
from callcenter.tickets.extract.name_words import TITLE as _TITLE

# 姓张的 (师傅, 保安) describes someone else.
STATED_SURNAME = re.compile(rf"(?:免贵姓|我姓|姓)(?P<s>{_SURNAME})(?!的)")
# Said of someone else (佢姓李, 他姓王, Wu 伊姓张): that surname with a title in the caller's words
# is that person.
OTHERS_SURNAME = re.compile(rf"(?:他|她|佢|伊|对方|人家)(?:好像|应该|可能)?姓(?P<s>{_SURNAME})")
OTHERS_BEFORE = re.compile(r"(?:他|她|佢|伊|对方|人家)(?:好像|应该|可能)?$")
# Said of the caller themselves (我姓, 俺姓, …四栋的姓高), not of someone else (他 好像 姓 廖).
OWN_SURNAME = re.compile(rf"(?:免贵|我|俺|额|的)姓(?P<s>{_ANY_SURNAME})")
# A caller known by their work (我是七零二的潘老师): the surname, with no gender.
# And by 老 and the surname, as neighbours know them, at the end of the self-introduction (我是三号楼
# 二门的老饶|我想问下).
SELF_BY_WORK = re.compile(rf"我是[^|我]{{0,16}}的(?:(?P<s>{_ANY_SURNAME})(?:老师|医生)|老(?P<s2>{_SURNAME}))"
                          r"(?=[|，。,啊呀我想要问就]|$)")


def surname_of_more_characters(words: list[str], agent_turns: list[str]) -> str | None:
    """A foreign surname the caller gives in one word (我姓 米勒) and the agent says back with a title
    (米勒 先生): the whole word, not its first character."""
    for i, word in enumerate(words[:-1]):
        surname = words[i + 1]
        if not word.endswith("姓") or len(surname) < 2 or surname in COMPOUND_SURNAMES \
                or not re.fullmatch(r"[\u4e00-\u9fff]+", surname):
            continue
        for text in agent_turns:
            said = re.search(rf"{surname}(?P<t>{_TITLE})", text)
            if said:
                return surname + TITLES[said.group("t")]
    return None
