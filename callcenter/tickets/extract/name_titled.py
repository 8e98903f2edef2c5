"""R4/R15: a surname with a title, as the caller says it of themselves (王先生, Cantonese 林生
and 陈太, 叫我刘姐就行) and as the agent speaks to the caller (谭师傅 您…, 好的 女士, 您是钟女士吧),
not as either speaks of someone else (保洁刘大姐, 帮邻居王先生报修); and the title for a surname the
caller gave alone, from the agent's words or from what the caller tells of themselves."""

from __future__ import annotations

import re

from callcenter.tickets.extract.name_checks import NOT_NAMES, a_relation
from callcenter.tickets.extract.name_gender import own_title
from callcenter.tickets.extract.name_surname import OTHERS_SURNAME
from callcenter.tickets.extract.name_words import AGENT_TITLES, SURNAMES, TITLES
from callcenter.tickets.extract.name_words import ALL_SURNAMES as _ALL_SURNAMES
from callcenter.tickets.extract.name_words import ANY_SURNAME as _ANY_SURNAME
from callcenter.tickets.extract.name_words import SURNAME as _SURNAME
from callcenter.tickets.extract.name_words import TITLE as _TITLE
from callcenter.tickets.extract.sounds import sound_key

TITLED = re.compile(rf"(?P<s>{_ANY_SURNAME})(?P<t>{_TITLE})")
AGENT_TITLED = re.compile(rf"(?P<s>{_ANY_SURNAME})(?P<t>{_TITLE}|{'|'.join(AGENT_TITLES)})")
# Cantonese speakers call a man by surname and 生 (林生, 甘生): the label's 先生. Only at the end of
# what the caller says (林生啊, 甘生|我…), so that 卫生, 学生, 发生 and the like stay words.
CANTONESE_MR = re.compile(rf"(?P<s>{_SURNAME})生(?=[|，。,啊呀啦喇嘞我]|$)")
# And a married woman by surname and 太 (陈太): the label's 女士; said of herself (我系陈太, 我是黄太).
CANTONESE_MRS = re.compile(rf"(?:我是|我系|是|系)(?P<s>{_SURNAME})太(?!太)")
# What the caller asks to be called (叫我刘姐就行, 喊我王叔): the title's gender.
SELF_CALLED = re.compile(rf"(?:叫我|喊我)(?:老)?(?P<s>{_ANY_SURNAME})"
                         r"(?P<t>大姐|大哥|阿姨|叔叔|姐|哥|姨|叔|师傅|先生|女士|小姐)")
_SELF_TITLES = {"大姐": "女士", "姐": "女士", "阿姨": "女士", "姨": "女士", "女士": "女士", "小姐": "女士",
                "婶": "女士", "大哥": "先生", "哥": "先生", "叔叔": "先生", "叔": "先生", "师傅": "先生",
                "先生": "先生", "伯": "先生", "伯伯": "先生", "阿伯": "先生"}
# What the caller is known as, said at the end of a self-introduction (我是三栋卖菜的黄伯, 我系六号铺
# 的蒙姐): the kin word's gender.
SELF_KNOWN_AS = re.compile(rf"我是[^|我]{{0,16}}的(?:老)?(?P<s>{_ANY_SURNAME})"
                           r"(?P<t>大姐|大哥|阿姨|叔叔|伯伯|阿伯|姐|哥|伯|叔|姨|婶)(?=[|，。,啊呀我想要问就]|$)")
# The agent speaking to the caller, at the start of a turn or before 您 (谭师傅 您 别 碰, 阿姨 对不起,
# 先生 您 反映 的): with a surname or without, the gender the label's title takes. 师傅 is a man
# spoken to here; said of someone else (转达 给 邵师傅) it is no vocative.
# 姐 and 哥 alone (王姐 您 放心), and 帅哥 / 美女 as service talk says them, only so: said of a worker
# (保洁 陈姐) they are no title of the caller.
# Regional ones too, as the north-east, the north and the south-east speak to a caller (大兄弟, 老妹儿,
# 大妹子, 大嫂, 婶儿, 大姨, 小伙子; Hokkien 阿公, 阿嬷).
_VOCATIVES = {**TITLES, **AGENT_TITLES, "师傅": "先生", "姐": "女士", "哥": "先生",
              "帅哥": "先生", "美女": "女士", "靓仔": "先生", "靓女": "女士",
              "大兄弟": "先生", "兄弟": "先生", "老弟": "先生", "小伙子": "先生", "阿公": "先生",
              "老妹儿": "女士", "老妹": "女士", "大妹子": "女士", "妹子": "女士", "大嫂": "女士",
              "嫂子": "女士", "婶儿": "女士", "大姨": "女士", "阿婶": "女士", "阿嬷": "女士",
              "老太太": "女士", "姑娘": "女士",
              # a surname and one kin word, as the south and south-west speak to elders (覃伯, 黄伯
              # 您好, 蒙姐, 石姨, 王叔)
              "伯": "先生", "叔": "先生", "伯母": "女士", "姨": "女士", "婶": "女士"}
_VOCATIVE = "|".join(sorted(_VOCATIVES, key=len, reverse=True))
# The agent asking whether the caller is someone (您是钟女士吧, 你是王大哥吗).
ASKED_BY_NAME = re.compile(rf"(?:您|你)是(?P<s>{_ANY_SURNAME})(?P<t>{_TITLE}|{'|'.join(AGENT_TITLES)})")
# At the start of a turn, perhaps after the agent's yes (好的 女士 我们 核实).
_AGENT_YES = "(?:好的|好|是的|对的|对|嗯|行|明白了|明白|收到)"
SPOKEN_TO = re.compile(rf"^{_AGENT_YES}?(?P<s>{_ANY_SURNAME})?(?P<t>{_VOCATIVE})|"
                       rf"(?P<s2>{_ANY_SURNAME})?(?P<t2>{_VOCATIVE})(?=您|你)")
# Answers that end in 的 before the caller's title: 好的 and 是的 also as the recogniser may write them
# (号的, 浩的, 事的: by sound), and 对的, 行的, 一定的, 应该的, 可以的, 会的, 明白的 as written (by sound,
# 新的 or 阿姨的 would pass for 行的 and 以的).
_YES_DE = ("hao", "si")
_YES_DE_WRITTEN = set("对行定该以会白")


# A worker's job before the title names that worker (保洁刘大姐, 门岗孙师傅), not the caller.
_STAFF_BEFORE = re.compile(r"(?:保洁|保安|管家|门岗|电工|维修工?|绿化|前台|值班|巡逻|客服|水工|司机)$")
# A surname that is also an everyday word ends that word after a character it makes one with (下楼
# 大爷 您: 楼 of 下楼 is no surname): only at a turn's start or after a yes, 的, 是 or 您.
_EVERYDAY_SURNAMES = frozenset(_ALL_SURNAMES - SURNAMES)
_BEFORE_EVERYDAY = set("的是好对嗯哦行您你位")


def _ends_a_word(text: str, start: int) -> bool:
    """The surname at text[start] is an everyday word's last character (下楼 大爷), or the second of
    a doubled word (谢谢 阿姨: thanks, not a 谢 spoken to)."""
    if start > 0 and text[start - 1] == text[start]:
        return True
    return text[start:start + 1] in _EVERYDAY_SURNAMES and start > 0 \
        and "\u4e00" <= text[start - 1] <= "\u9fff" and text[start - 1] not in _BEFORE_EVERYDAY


def _of_someone_else(text: str, start: int) -> bool:
    """A title after 的 names someone else (我们的王大姐, 保洁班的陈阿姨), and so does one after a
    worker's job (保洁刘大姐); 好的 / 一定的 王先生 speak to the caller."""
    if _STAFF_BEFORE.search(text, max(0, start - 3), start):
        return True
    if _ends_a_word(text, start):
        return True
    before = text[start - 2:start - 1] or "的"
    return text[start - 1:start] == "的" and not (sound_key(before) in _YES_DE or before in _YES_DE_WRITTEN)


def titled(turns: list[str], pattern: re.Pattern[str] = TITLED, said_to: bool = False) -> list[str]:
    """Surname and title as said; ``said_to``: only those spoken to the caller (the agent's side)."""
    titles = TITLES | AGENT_TITLES
    return [m.group("s") + titles[m.group("t")] for text in turns for m in pattern.finditer(text)
            if not (said_to and _of_someone_else(text, m.start()))]


def titles_spoken_to(turns: list[str]) -> list[tuple[str | None, str]]:
    """(surname or None, 先生/女士) for each time the agent speaks to the caller by a title."""
    found = []
    for text in turns:
        for match in SPOKEN_TO.finditer(text):
            surname: str | None = match.group("s") or match.group("s2")
            title: str = match.group("t") or match.group("t2")
            if surname and _ends_a_word(text, match.start("s") if match.group("s") else match.start("s2")):
                surname = None
            if surname and surname + title in _VOCATIVES:  # 帅哥 is no surname 帅 and 哥
                title = surname + title
                surname = None
            found.append((surname, _VOCATIVES[title]))
    return found


# Before a title in the caller's words, someone else the caller speaks for or of (帮邻居王先生报修,
# 我找一下李女士).
_FOR_SOMEONE = re.compile(r"帮|替|给|邻居|朋友|同事|找|问|告诉|通知|联系|转告")


def said_of_themselves(caller: list[str]) -> list[str]:
    """Surname and title in the caller's words (王先生, 林生), but not a person whose surname the
    caller gives as someone else's (佢姓李 … 李先生)."""
    # not one the caller is the relation of (我是吴女士的管家, 王先生的租客)
    said = [m.group("s") + TITLES[m.group("t")] for text in caller for m in TITLED.finditer(text)
            if not a_relation(text[m.end():])] + \
        [m.group("s") + "先生" for text in caller for m in CANTONESE_MR.finditer(text)
                             if not (m.group("s") + "生").startswith(NOT_NAMES)] + \
        [m.group("s") + "女士" for text in caller for m in CANTONESE_MRS.finditer(text)] + \
        [m.group("s") + _SELF_TITLES[m.group("t")] for text in caller
         for pattern in (SELF_CALLED, SELF_KNOWN_AS) for m in pattern.finditer(text)]
    others = tuple(m.group("s") for text in caller for m in OTHERS_SURNAME.finditer(text)) + \
        tuple(m.group("s") for text in caller for m in TITLED.finditer(text)
              if _FOR_SOMEONE.search(text, max(0, m.start() - 4), m.start()))
    return [n for n in said if not (others and n.startswith(others))]


# 师傅 said by the agent to a caller whose surname it is (潘师傅 谢谢您), not of a worker sent or
# thanked (让 / 给 / 派 张师傅).
AGENT_SHIFU = re.compile(rf"(?<![让给派请叫找跟和等])(?P<s>{_ANY_SURNAME})师傅")


def _alike(surname: str, said: str) -> bool:
    """The agent's surname is the caller's, or sounds like it (张 for 章, 李 for 黎): the caller's
    own word for it wins."""
    return said.startswith(surname) or sound_key(said[:1]) == sound_key(surname[:1])


def with_surname(stated: str, theirs: str | None, agent: list[str], agent_turns: list[str],
                 caller: list[str]) -> str | None:
    """The title for the surname the caller gave: as the agent spoke to them with that surname or
    one that sounds like it, by a title alone, or by 师傅; else as the caller tells what they are
    (我老公…, 我一个老汉: name_gender.py)."""
    spoken_to = titles_spoken_to(agent_turns)
    # 我姓方 … 爷爷 您 别 慌: the surname the caller gave, the title the agent speaks to them by
    matching = [stated + n[-2:] for n in agent if _alike(stated, n)] + \
        [stated + title for surname, title in spoken_to
         if surname == stated or (theirs == stated and not surname)] + \
        [stated + "先生" for text in agent_turns for m in AGENT_SHIFU.finditer(text)
         if _alike(stated, m.group("s")) and not _of_someone_else(text, m.start())]
    if matching:
        return matching[0]
    title = own_title(caller) if theirs == stated else None
    return stated + title if title else None
