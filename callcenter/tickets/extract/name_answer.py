"""R4: the caller's answer when the agent asks their name (贵姓, 怎么称呼): the next caller turn
begins with the surname, perhaps the whole name (李 …, 秦 秦凯文, 张国华)."""

from __future__ import annotations

import re

from callcenter.tickets.extract.dialect import mandarin
from callcenter.tickets.extract.name_checks import is_title, written_name
from callcenter.tickets.extract.name_spelling import without_spelling
from callcenter.tickets.extract.name_words import ANY_SURNAME as _ANY_SURNAME
from callcenter.tickets.extract.name_words import GIVEN_CHAR as _GIVEN_CHAR
from callcenter.tickets.extract.name_words import NUMERAL as _NUMERAL
from callcenter.tickets.extract.name_words import STOP as _STOP
from callcenter.tickets.transcript import Transcript

# The agent asking the caller's name; the caller's next words answer it (李 家里座机…, 张国华).
# (留个姓名电话, 留个名字: asked to leave them)
# (全名: the whole name asked for after the surname)
NAME_ASKED = re.compile(r"贵姓|怎么称呼|如何称呼|姓什么|叫什么名字|您的姓名|你的姓名|尊姓|留个(?:姓名|名字)|"
                        r"全名")
# The surname may be said first and then the whole name (秦 秦凯文); a given name may begin with 一
# before a character that is no numeral (冯一帆). The name ends where the caller spells the surname
# (汤雅琴|汤是三点水的汤) or goes on with 就 (老韦|就叫老韦).
ANSWER = re.compile(rf"^(?:[嗯哦噢呃啊]|我|免贵)*(?:老)?(?P<s>{_ANY_SURNAME})"
                    rf"(?:(?P=s)(?=[^{_STOP}{_NUMERAL}]))?"
                    rf"(?P<g>(?:一(?={_GIVEN_CHAR}))?{_GIVEN_CHAR}{{1,2}})?"
                    rf"(?=$|[|，。,]|电话|手机|座机|家里|[{_NUMERAL}]|我|[呃嗯啊就]|(?P=s))")


def answered_name(transcript: Transcript) -> tuple[str, str | None] | None:
    """(surname, full name or None) from the caller's answer to the agent asking their name."""
    asked = False
    for turn in transcript.turns:
        if turn.speaker == "agent":
            asked = bool(NAME_ASKED.search(turn.joined))
            continue
        answer = ANSWER.match(without_spelling(mandarin(turn.joined))) if asked else None
        asked = False
        if answer:
            given = answer.group("g")
            if given and (is_title(given) or answer.group(0).startswith(("我老", "老"))):
                given = None
            return answer.group("s"), (written_name(answer.group("s"), given) if given else None)
    return None
