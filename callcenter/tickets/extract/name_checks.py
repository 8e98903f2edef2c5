"""R4: whether the words a caller introduces themselves with are their name: not a title or a
role (王先生, 张师傅), not a place or a firm (我是桂园这边的), not a relation of someone named (我是王建国
的女儿), not someone else told or named (你叫他…, 我妈叫…), not a word that only begins with a surname
(顾客, 卫生); and the name as the labels write it (甘生 → 甘先生). Shared by the readings of a full name
(name_full.py) and of the answer to 贵姓 (name_answer.py)."""

from __future__ import annotations

import re

from callcenter.tickets.extract.name_words import AGENT_TITLES, TITLES
from callcenter.tickets.extract.name_words import NUMERAL as _NUMERAL

# Words a caller calls themselves by that begin with a surname's character (我是顾客).
NOT_NAMES = ("顾客", "商户", "商家", "商铺", "常住", "周末", "周日", "周边", "周围", "卫生")
# A caller who does not know a name asks it (姓李 叫李什么 我不知道, Cantonese 李乜嘢): no given name.
_ASKING = ("什么", "啥", "乜", "咩", "哪", "几")


def written_name(surname: str, given: str) -> str | None:
    """The name as the labels write it: 甘 + 生 → 甘先生; None when the given name is a question."""
    if given.startswith(_ASKING):
        return None
    return surname + ("先生" if given == "生" else given)


# Words after a surname that name a role, not a given name (张师傅, 王经理).
# So do the kin words the south calls a neighbour by (蒙姐, 覃伯, 黄叔, 石姨).
ROLES = ("师傅", "经理", "主管", "管家", "保安", "老师", "医生", "工", "总",
         "姐", "哥", "伯", "叔", "姨", "婶")


def is_title(word: str) -> bool:
    return any(word.startswith(t) or t.startswith(word) for t in (*TITLES, *AGENT_TITLES, *ROLES))


# Who 叫 is said of when it names or tells someone else (你叫他早点打, 他叫黄德明).
_SOMEONE_ELSE = ("你", "您", "侬", "他", "她", "伊", "佢", "他们", "她们", "让")
# After 我是 a place or a firm, not a name: 我是桂园这边的, 我是苏州一家公司的, 我是金星商住楼的, 我是
# 韩国人 (where the caller is from).
# And what is followed by 的业主 is where the caller lives (我是杜鹃里的业主): no one is a name's owner.
_PLACE_AFTER = re.compile(r"(?:这边|那边|这里|那里|这儿|那儿|小区|一家|一个|那家|这家|"
                          r"[里苑园村]?的(?:业主|住户|居民|租户)|"
                          r"花园|公寓|大厦|新村|家园|广场|社区|花苑|名苑|"
                          r"商住楼|住宅楼|家属院|家属区|家属楼|人(?!家|呢|吗|吧|啊))")
# What ends an estate's name (安置房, 翠苑, 桃园) when its building's number follows: 我是安置房十一号楼的.
_PLACE_ENDS = set("房苑园村府湾庭邸寓舍庄坊院城厦楼巷弄路街里")


# A relative or someone the caller knows, before 叫 (我妈 叫, 我 老公 叫, 我 室友 叫).
_KIN_ENDS = set("妈爸公婆子儿女友事居东客乡姐哥弟妹爷奶叔姨舅孙亲婿媳姑嫂婶侄甥戚")
_KIN_WORDS = ("爱人", "老人", "家人", "孩子", "老伴", "老头", "丈夫", "同学", "老板", "大伯", "老太")


def of_someone(word: str) -> bool:
    return word in _SOMEONE_ELSE or word in _KIN_WORDS or word[-1:] in _KIN_ENDS


# After a name, the caller's relation to that person: the name is theirs, not the caller's (我是王建国的
# 女儿, 我是业主李明的租客).
_RELATION_AFTER = re.compile(r"的(?:女儿|儿子|家属|家人|租客|房客|保姆|亲戚|朋友|邻居|同事|老婆|爱人|老公|"
                             r"媳妇|女婿|妈妈|爸爸|母亲|父亲|孙子|孙女|外甥|侄子|侄女|司机|秘书|助理|员工|"
                             r"管家|弟弟|妹妹|哥哥|姐姐)")


def a_relation(after: list[str] | str) -> bool:
    return bool(_RELATION_AFTER.match("".join(after)))


def a_place(after: list[str] | str, name: str = "") -> bool:
    """What follows the words after 我是 makes them a place or a firm (桂园|这边, 苏州|一家,
    安置房|十一号楼)."""
    after = "".join(after)
    return bool(_PLACE_AFTER.match(after)) or (name[-1:] in _PLACE_ENDS and after[:1] in _NUMERAL) \
        or (after[:1] in _PLACE_ENDS and after[1:2] in _NUMERAL)
