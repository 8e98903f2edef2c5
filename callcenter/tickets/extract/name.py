"""R4/R15: the caller's name as the labels write it: the full name when the caller gives it
(我叫李秀英), otherwise surname and title (王先生, 甘女士) from the caller's words or from how the
agent addresses them. Read on the joined words, since the recogniser splits and merges names, and
with the caller's spellings of characters left out (弓长张, 伟大的伟: name_spelling.py). Also the
caller's answer to 贵姓 (李 …, 张国华) and a name corrected (不对 是汪丽, 不是张 我姓章).

Here the name is chosen among what the caller and the agent said; the forms are read in
``name_full`` (a full name), ``name_answer`` (the answer to 贵姓), ``name_surname`` (a surname given
alone) and ``name_titled`` (a surname with a title, and the agent's words to the caller), with the
tests that words are no name in ``name_checks``; the words themselves are in ``name_words``, a title's
gender from what the caller tells in ``name_gender``, a name in Latin letters (我是 Linda) in
``name_latin``. How a label may write the same name otherwise is in ``name_label``."""

from __future__ import annotations

import re

from callcenter.tickets.extract.dialect import mandarin
from callcenter.tickets.extract.name_answer import answered_name
from callcenter.tickets.extract.name_full import CORRECTING, full_name
from callcenter.tickets.extract.name_latin import latin_name
from callcenter.tickets.extract.name_spelling import without_spelling
from callcenter.tickets.extract.name_surname import (
    OTHERS_BEFORE,
    OWN_SURNAME,
    SELF_BY_WORK,
    STATED_SURNAME,
    surname_of_more_characters,
)
from callcenter.tickets.extract.name_titled import (
    AGENT_TITLED,
    ASKED_BY_NAME,
    said_of_themselves,
    titled,
    titles_spoken_to,
    with_surname,
)
from callcenter.tickets.transcript import Transcript

# The caller correcting what they said before a surname (不是张 我姓章): that surname is theirs.
_CORRECTING = re.compile(CORRECTING)
_FILLERS = ("呃", "嗯", "那个")
# Someone else spoken of in a turn before a surname given there (他住在十一幢 姓鲁)
_OTHERS_SAID = re.compile(r"他|她|佢|伊|对方|人家|同学|朋友|邻居")
_RESTARTED = re.compile(r"(?P<s>[\u4e00-\u9fff])(?:呃|嗯|那个)+(?P=s)")


def extract_name(transcript: Transcript) -> str | None:
    caller = [without_spelling(mandarin(t.joined)) for t in transcript.side("caller")]
    # 叫 李 呃 李 明亮: the caller starting the name again after a filler
    words = [w for t in transcript.side("caller") for w in mandarin(t.text).split() if w not in _FILLERS]
    answered = answered_name(transcript)
    full = full_name([_RESTARTED.sub(r"\g<s>", text) for text in caller], words) or \
        (answered[1] if answered else None)
    if full:
        return full
    # Kevin, Mr Nair: a name in Latin letters, when the caller gives no Chinese surname of their own
    # (not one said of someone else: 我的 agent … 他姓吴)
    latin = latin_name([mandarin(t.text) for t in transcript.side("caller")])
    if latin and not any(pattern.search(text) for text in caller for pattern in (OWN_SURNAME, SELF_BY_WORK)) \
            and not any(not _OTHERS_SAID.search(text[:m.start()])
                        for text in caller for m in STATED_SURNAME.finditer(text)):
        return latin
    said = said_of_themselves(caller)
    if said:
        return said[0]
    agent_turns = [t.joined for t in transcript.side("agent")]
    # 您是钟女士吧 asks the caller; 是钟伯伯吧 before it was the caller's father: the asked one first
    asked = titled(agent_turns, ASKED_BY_NAME)
    agent = asked + [n for n in titled(agent_turns, AGENT_TITLED, said_to=True) if n not in asked]
    # the surname the caller gives as theirs, corrected (不是张 我姓章) or first, or their answer to 贵姓
    owns = [(m.group("s") or m.group("s2"), bool(_CORRECTING.search(text, max(0, m.start() - 8), m.start())))
            for text in caller for pattern in (OWN_SURNAME, SELF_BY_WORK) for m in pattern.finditer(text)]
    own = next((s for s, corrected in owns if corrected), owns[0][0] if owns else None) or \
        (answered[0] if answered else None)
    # 二号 姓龙 / 姓袁 幺三六…: a surname given in a turn where no one else is spoken of is the
    # caller's (not 他住在十一幢 姓鲁)
    not_others = next((m.group("s") for text in caller for m in STATED_SURNAME.finditer(text)
                       if not _OTHERS_SAID.search(text[:m.start()])), None)
    # not one the caller says is someone else's (佢讲佢姓黄: the cleaner's)
    stated = own or next((m.group("s") for text in caller for m in STATED_SURNAME.finditer(text)
                          if not OTHERS_BEFORE.search(text[:m.start()])), None)
    foreign = surname_of_more_characters(words, agent_turns)
    if foreign:
        return foreign
    if stated:
        return with_surname(stated, own or not_others, agent, agent_turns, caller)
    named = agent or [surname + title for surname, title in titles_spoken_to(agent_turns) if surname]
    return named[0] if named else None
