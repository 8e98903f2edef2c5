"""R4/R15: the caller's name as the labels write it: the full name when the caller gives it
(我叫李秀英), otherwise surname and title (王先生, 甘女士) from the caller's words or from how the
agent addresses them. Read on the joined words, since the recogniser splits and merges names, and
with the caller's spellings of characters left out (弓长张, 伟大的伟: name_spelling.py). Also the
caller's answer to 贵姓 (李 …, 张国华) and a name corrected (不对 是汪丽, 不是张 我姓章)."""

from __future__ import annotations

import re

from callcenter.tickets.extract.dialect import mandarin
from callcenter.tickets.extract.name_gender import own_title
from callcenter.tickets.extract.name_spelling import without_spelling
from callcenter.tickets.extract.name_words import (
    AGENT_TITLES,
    COMPOUND_SURNAMES,
    SURNAMES,
    TITLES,
)
from callcenter.tickets.extract.name_words import ALL_SURNAMES as _ALL_SURNAMES
from callcenter.tickets.extract.name_words import ANY_SURNAME as _ANY_SURNAME
from callcenter.tickets.extract.name_words import CLAUSE_START as _CLAUSE_START
from callcenter.tickets.extract.name_words import GIVEN_CHAR as _GIVEN_CHAR
from callcenter.tickets.extract.name_words import NUMERAL as _NUMERAL
from callcenter.tickets.extract.name_words import STOP as _STOP
from callcenter.tickets.extract.name_words import SURNAME as _SURNAME
from callcenter.tickets.extract.name_words import TITLE as _TITLE
from callcenter.tickets.extract.sounds import sound_key
from callcenter.tickets.transcript import Transcript

TITLED = re.compile(rf"(?P<s>{_ANY_SURNAME})(?P<t>{_TITLE})")
AGENT_TITLED = re.compile(rf"(?P<s>{_ANY_SURNAME})(?P<t>{_TITLE}|{'|'.join(AGENT_TITLES)})")
# What a caller is, said before the name (我是业主张伟, 我是商户严女士): not part of the name.
# Or the caller's relation to someone just spoken of (我是他儿子邢磊 … : the caller's own name).
_ROLE_BEFORE = "(?:业主|住户|租户|商户|房东|车主|(?:他|她)的?(?:儿子|女儿|闺女|孙子|孙女|女婿|儿媳妇?))?"
FULL = re.compile(r"(?:我叫|我的名字叫|名字叫|"
                  rf"我是{_ROLE_BEFORE})(?P<s>{_SURNAME})(?P<g>{_GIVEN_CHAR}{{1,2}})")
# Words a caller calls themselves by that begin with a surname's character (我是顾客).
_NOT_NAMES = ("顾客", "商户", "商家", "商铺", "常住", "周末", "周日", "周边", "周围", "卫生")
# A caller who does not know a name asks it (姓李 叫李什么 我不知道, Cantonese 李乜嘢): no given name.
_ASKING = ("什么", "啥", "乜", "咩", "哪", "几")
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
# A caller known by their work (我是七零二的潘老师): the surname, with no gender.
SELF_BY_WORK = re.compile(rf"我是[^|我]{{0,16}}的(?P<s>{_ANY_SURNAME})(?:老师|医生)"
                          r"(?=[|，。,啊呀我想要问就]|$)")


def _named(surname: str, given: str) -> str | None:
    """The name as the labels write it: 甘 + 生 → 甘先生; None when the given name is a question."""
    if given.startswith(_ASKING):
        return None
    return surname + ("先生" if given == "生" else given)
# Words that often follow a name directly; 蒋文|明天, 谢伟|请问: the given name ends before them.
_AFTER_NAME = ("刚刚", "请问", "装修", "明天", "今天", "后天", "上午", "下午", "晚上", "电话", "手机", "家里",
               "这边", "那边",
               "楼上", "楼下", "刚才", "现在", "就是", "需要", "麻烦", "投诉", "报修", "咨询", "反映", "有个",
               "有事",
               # days in regional words: Cantonese 今日 琴日 寻日 前日 听日, Wu 今朝 明朝 昨日
               "今日", "琴日", "寻日", "前日", "听日", "今朝", "明朝", "昨日",
               "上个", "上次", "前天", "前几",
               # 来 ends no name when the caller goes on to say why they call (张伟|来问一下)
               "来问", "来说", "来报", "来反映", "来投诉", "来咨询", "来找", "来电", "来了")
# …and so no given name begins with one of them (我是张|来问个事).
_LAI_WORDS = tuple(w for w in _AFTER_NAME if w.startswith("来"))
# Weeks: 邹洋|上礼拜 (上 is no third character of the name).
_WEEKS = ("上礼拜", "上星期", "上周", "下礼拜", "下星期", "下周", "这礼拜", "这星期")
_GIVEN = rf"(?P<s>{_SURNAME})(?P<g>{_GIVEN_CHAR}{{1,2}})"
# The name ends where the caller goes on (我, a pause, 呃, 那个, 就想, 电话, the start of a clause:
# 雷鸣|带孩子, the surname said again to spell it: 柏文涛|柏树的柏), so that 的卫生间漏水 or
# 的业主马桶堵了 are not read as names.
_NAME_ENDS = (rf"(?=我|[|，。,]|$|[呃嗯啊哎]|那个|[就想要问说住家在是今昨明这]|"
              rf"[{''.join(sorted(_CLAUSE_START))}]|(?P=s)|{'|'.join(_AFTER_NAME)})")
# 我是D座一五零二的周丽华, 我是十六栋一单元二一零一的业主赵雪梅: the name after the caller's address
# in a self-introduction.
FULL_AFTER_ADDRESS = re.compile(rf"我是[^|我]{{1,16}}的{_ROLE_BEFORE}{_GIVEN}{_NAME_ENDS}")
# Right after the room, with no 的, only a name that ends the sentence or comes before 我 or the
# phone (…二零三常建华|我就说; not 八零一卫生间那个管子).
FULL_AFTER_ROOM = re.compile(rf"(?<=[零幺一二三四五六七八九]{{3}}){_ROLE_BEFORE}{_GIVEN}"
                             rf"(?=我|[|，。,]|$|[呃嗯]|(?P=s)|电话|手机)")
# 我王建军一号楼…: 我 and the name, then the building.
FULL_BEFORE_ADDRESS = re.compile(rf"我{_GIVEN}(?=[{_NUMERAL}]+(?:号楼|栋|幢|座|单元))")
# 姓张的 (师傅, 保安) describes someone else.
STATED_SURNAME = re.compile(rf"(?:免贵姓|我姓|姓)(?P<s>{_SURNAME})(?!的)")
# Said of the caller themselves (我姓, 俺姓, …四栋的姓高), not of someone else (他 好像 姓 廖).
# Said of someone else (佢姓李, 他姓王, Wu 伊姓张): that surname with a title in the caller's words
# is that person.
OTHERS_SURNAME = re.compile(rf"(?:他|她|佢|伊|对方|人家)(?:好像|应该|可能)?姓(?P<s>{_SURNAME})")
_OTHERS_BEFORE = re.compile(r"(?:他|她|佢|伊|对方|人家)(?:好像|应该|可能)?$")
OWN_SURNAME = re.compile(rf"(?:免贵|我|俺|额|的)姓(?P<s>{_ANY_SURNAME})")
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


# Words after a surname that name a role, not a given name (张师傅, 王经理).
# So do the kin words the south calls a neighbour by (蒙姐, 覃伯, 黄叔, 石姨).
ROLES = ("师傅", "经理", "主管", "管家", "保安", "老师", "医生", "工", "总",
         "姐", "哥", "伯", "叔", "姨", "婶")


def _is_title(word: str) -> bool:
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


def _of_someone(word: str) -> bool:
    return word in _SOMEONE_ELSE or word in _KIN_WORDS or word[-1:] in _KIN_ENDS


# After a name, the caller's relation to that person: the name is theirs, not the caller's (我是王建国的
# 女儿, 我是业主李明的租客).
_RELATION_AFTER = re.compile(r"的(?:女儿|儿子|家属|家人|租客|房客|保姆|亲戚|朋友|邻居|同事|老婆|爱人|老公|"
                             r"媳妇|女婿|妈妈|爸爸|母亲|父亲|孙子|孙女|外甥|侄子|侄女|司机|秘书|助理|员工)")


def _a_relation(after: list[str] | str) -> bool:
    return bool(_RELATION_AFTER.match("".join(after)))


def _a_place(after: list[str] | str, name: str = "") -> bool:
    """What follows the words after 我是 makes them a place or a firm (桂园|这边, 苏州|一家,
    安置房|十一号楼)."""
    after = "".join(after)
    return bool(_PLACE_AFTER.match(after)) or (name[-1:] in _PLACE_ENDS and after[:1] in _NUMERAL) \
        or (after[:1] in _PLACE_ENDS and after[1:2] in _NUMERAL)


# A given name in its own word: one or two characters that are no stop or numeral, or 一 before
# such a character (蔡 一鸣, as 冯一帆 answers 贵姓).
_GIVEN_WORD = rf"(?:一[^{_STOP}{_NUMERAL}A-Za-z层]|[^{_STOP}{_NUMERAL}A-Za-z]{{1,2}})"


def _from_words(words: list[str]) -> str | None:
    """Where the recogniser kept the name's own words: 叫 谭 丽萍 / 是 卢 明."""
    for i, word in enumerate(words[:-1]):
        introduces = word.endswith(("叫", "我是")) or (word == "是" and words[i - 1:i] == ["我"])
        if not introduces or (word == "叫" and words[i - 1:i] and _of_someone(words[i - 1])):
            continue  # 你叫他早点打, 他叫黄德明, 我妈叫刘桂兰: someone else is told or named
        joined = re.fullmatch(rf"(?P<s>{_SURNAME})(?P<g>{_GIVEN_WORD})", words[i + 1])
        if joined and words[i + 1] not in COMPOUND_SURNAMES and not _is_title(joined.group("g")) \
                and not _is_title(words[i + 1]) and \
                not words[i + 1].startswith(_NOT_NAMES) and not _a_place(words[i + 2:i + 5], words[i + 1]):
            named = _named(joined.group("s"), joined.group("g"))  # 叫 金鹏: one word for the name
            if named:
                return named
        if i + 2 < len(words):
            surname, rest = words[i + 1], words[i + 2:]
            if rest[0] == surname and len(rest) > 1:  # 李 李 明亮: the name started again
                rest = rest[1:]
            given, more = rest[0], (rest[1] if len(rest) > 1 else "")
            if re.fullmatch(_SURNAME, surname) \
                    and re.fullmatch(_GIVEN_WORD, given) and not "".join(rest[:3]).startswith(_LAI_WORDS) \
                    and not (given.endswith("栋") and more[:1] != "" and more[:1] in _NUMERAL) \
                    and not _is_title(given):
                # 龚 雪 龚 就是 …: the caller spelling the surname out, not a third character
                # 张 伟 弓 长 张: the surname spelled by its parts after the name
                if len(given) == 1 and len(more) == 1 and more not in _STOP and more not in _NUMERAL \
                        and not (more + "".join(rest[2:3])).startswith(_WEEKS) \
                        and not (more == "来" and (more + "".join(rest[2:3])).startswith(_AFTER_NAME)) \
                        and more not in _CLAUSE_START and more != surname and surname not in rest[2:4] \
                        and (rest[2:3] != ["的"] or _a_relation(rest[2:4])):  # 宋 佳|租 的 房子
                    given += more  # 邵 春 生: the recogniser split a two-character given name
                    rest = rest[1:]
                someone_else = _a_place(rest[1:3], given) or _a_relation(rest[1:3])
                named = None if someone_else else _named(surname, given)
                if named:
                    return named
    return None


# The given name said apart from the surname the caller gave (我姓钱 名字叫小兵, 单名一个坤字, 姓钱 叫
# 钱小兵); right after the surname, a bare 叫 needs the name to end the clause (姓王 叫人来看 is no name).
_GIVEN_ENDS = rf"(?=字|[|，。,]|$|我|[呃嗯啊]|[{_NUMERAL}]|住|电话|手机)"
GIVEN_APART = (
    re.compile(rf"姓(?P<s>{_SURNAME})[^|]{{0,12}}?(?:名字叫|名叫|单名一个|单名|名字是)(?P=s)?"
               rf"(?P<g>[^{_STOP}{_NUMERAL}A-Za-z字]{{1,2}}){_GIVEN_ENDS}"),
    re.compile(rf"姓(?P<s>{_SURNAME})[，,|]?叫(?:(?P=s)(?P<g>{_GIVEN_CHAR}{{1,2}})|"
               rf"(?P<g2>{_GIVEN_CHAR}{{2}})){_GIVEN_ENDS}"),
    # 我姓沈 沈国良: the surname, then the whole name said again (not 姓周 周末的周, which spells it),
    # perhaps after spelling the surname by its parts (姓陈 耳东陈 陈志强)
    re.compile(rf"姓(?P<s>{_SURNAME})[，,|]?(?:[^|]{{1,3}}?(?P=s))?(?P=s)(?P<g>{_GIVEN_CHAR}{{1,2}})"
               rf"(?=[|，。,]|$|我|[呃嗯啊]|[{_NUMERAL}]|住|电话|手机)"),
)


# A name said again after the caller corrects it (我叫王丽 不对 是汪丽): the corrected one.
_CORRECTING = re.compile(r"不对|不是|说错了|讲错了|搞错了|错了")
CORRECTED = re.compile(rf"(?:不对|不是|说错了|讲错了|搞错了|错了)[，,|]?(?:我)?(?:应该)?(?:是|叫)"
                       rf"{_GIVEN}(?=[|，。,]|$|我|[呃嗯啊]|[{_NUMERAL}]|住|电话|手机)")
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


def _answered(transcript: Transcript) -> tuple[str, str | None] | None:
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
            if given and (_is_title(given) or answer.group(0).startswith(("我老", "老"))):
                given = None
            return answer.group("s"), (_named(answer.group("s"), given) if given else None)
    return None


def _said_again(words: list[str]) -> str | None:
    """我姓 蒋 蒋 伟 / 老 曹 曹 德 明: the surname, then the whole name in the recogniser's single
    characters, up to a word of two or more (郑州, 原来), a word that follows names (杨 丽 华 在 …)
    or the end."""
    for i, word in enumerate(words[:-3]):
        surname = words[i + 1]
        whose = word[:-1] or (words[i - 1] if i else "")  # 房客 姓 魏 魏 小 东: the tenant's name
        if not (word.endswith("姓") or word in ("老", "小")) or words[i + 2] != surname \
                or not re.fullmatch(_SURNAME, surname) \
                or (word.endswith("姓") and whose and _of_someone(whose)):
            continue
        given = ""
        for nxt in words[i + 3:i + 5]:
            if len(nxt) != 1 or not re.fullmatch(_GIVEN_CHAR, nxt) or nxt in _CLAUSE_START:
                break
            given += nxt
        end = words[i + 3 + len(given):i + 4 + len(given)]
        if given and (not end or len(end[0]) > 1 or (end[0] in _STOP and end[0] != "的")) \
                and not _is_title(given):  # 段 誉 的 段 spells the surname: no name
            return _named(surname, given)
    return None


def _full_name(caller_turns: list[str], words: list[str]) -> str | None:
    said_again = _said_again(words)
    if said_again:
        return said_again
    for text in caller_turns:
        for corrected in CORRECTED.finditer(text):
            if not _is_title(corrected.group("g")):
                return _named(corrected.group("s"), corrected.group("g"))
    from_words = _from_words(words)
    if from_words:
        return from_words
    for pattern in GIVEN_APART:
        for text in caller_turns:
            for apart in pattern.finditer(text):
                given = apart.group("g") or apart.group("g2")
                named = None if _is_title(given) else _named(apart.group("s"), given)
                if named:
                    return named
    for i, word in enumerate(words[:-2]):
        # 我 是 D 座 一 五 零 二 的 周 丽华: the name after the address in a self-introduction
        # (是 after 我: 我想想 是二单元的大堂 … 的 戴 眼镜 is no self-introduction)
        if word == "的" and any((w == "是" and words[j - 1:j] == ["我"]) or w == "我是"
                                for j, w in enumerate(words[max(0, i - 12):i], start=max(0, i - 12))) \
                and re.fullmatch(_SURNAME, words[i + 1]) \
                and re.fullmatch(rf"[^{_STOP}{_NUMERAL}A-Za-z]{{2}}",
                                 words[i + 2]) and not _is_title(words[i + 2]):
            return words[i + 1] + words[i + 2]
    for pattern in (FULL, FULL_AFTER_ADDRESS, FULL_AFTER_ROOM, FULL_BEFORE_ADDRESS):
        for text in caller_turns:
            for match in pattern.finditer(text):
                given = match.group("g")
                if _is_title(given) or (match.group("s") + given).startswith(_NOT_NAMES) \
                        or text[match.start("g"):].startswith(_LAI_WORDS) \
                        or _a_place(text[match.end():], given) or _a_relation(text[match.end():]) \
                        or (len(given) == 2 and _a_place(text[match.end() - 1:])):  # 金星|商住楼, 韩国|人
                    continue  # 我是王先生: a title; 我是顾客, 我是桂园这边的: not a name
                after = text[match.end("g"):]
                if len(given) == 2 and (text[match.start("g") + 1:].startswith(_AFTER_NAME)
                                        or given[1] in _CLAUSE_START or given[1] == match.group("s")
                                        or after[1:2] == match.group("s") != after[:1]  # 张伟|弓长张
                                        or ("叫" in match.group(0) and after[:1] == "的")):  # 宋佳|租的
                    given = given[0]  # 龚雪|龚就是…: the surname said again to spell it
                named = _named(match.group("s"), given)
                if named:
                    return named
    return None


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


def _titled(turns: list[str], pattern: re.Pattern[str] = TITLED, said_to: bool = False) -> list[str]:
    """Surname and title as said; ``said_to``: only those spoken to the caller (the agent's side)."""
    titles = TITLES | AGENT_TITLES
    return [m.group("s") + titles[m.group("t")] for text in turns for m in pattern.finditer(text)
            if not (said_to and _of_someone_else(text, m.start()))]


def _spoken_to(turns: list[str]) -> list[tuple[str | None, str]]:
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


# Before a title in the caller's words, someone else the caller speaks for or of (帮邻居王先生报修,
# 我找一下李女士).
_FOR_SOMEONE = re.compile(r"帮|替|给|邻居|朋友|同事|找|问|告诉|通知|联系|转告")


def _said_of_themselves(caller: list[str]) -> list[str]:
    """Surname and title in the caller's words (王先生, 林生), but not a person whose surname the
    caller gives as someone else's (佢姓李 … 李先生)."""
    said = _titled(caller) + [m.group("s") + "先生" for text in caller for m in CANTONESE_MR.finditer(text)
                              if not (m.group("s") + "生").startswith(_NOT_NAMES)] + \
        [m.group("s") + "女士" for text in caller for m in CANTONESE_MRS.finditer(text)] + \
        [m.group("s") + _SELF_TITLES[m.group("t")] for text in caller
         for pattern in (SELF_CALLED, SELF_KNOWN_AS) for m in pattern.finditer(text)]
    others = tuple(m.group("s") for text in caller for m in OTHERS_SURNAME.finditer(text)) + \
        tuple(m.group("s") for text in caller for m in TITLED.finditer(text)
              if _FOR_SOMEONE.search(text, max(0, m.start() - 4), m.start()))
    return [n for n in said if not (others and n.startswith(others))]


_FILLERS = ("呃", "嗯", "那个")
_RESTARTED = re.compile(r"(?P<s>[\u4e00-\u9fff])(?:呃|嗯|那个)+(?P=s)")


# 师傅 said by the agent to a caller whose surname it is (潘师傅 谢谢您), not of a worker sent or
# thanked (让 / 给 / 派 张师傅).
AGENT_SHIFU = re.compile(rf"(?<![让给派请叫找跟和等])(?P<s>{_ANY_SURNAME})师傅")


def _alike(surname: str, said: str) -> bool:
    """The agent's surname is the caller's, or sounds like it (张 for 章, 李 for 黎): the caller's
    own word for it wins."""
    return said.startswith(surname) or sound_key(said[:1]) == sound_key(surname[:1])


def _with_surname(stated: str, theirs: str | None, agent: list[str], agent_turns: list[str],
                  caller: list[str]) -> str | None:
    """The title for the surname the caller gave: as the agent spoke to them with that surname or
    one that sounds like it, by a title alone, or by 师傅; else as the caller tells what they are
    (我老公…, 我一个老汉: name_gender.py)."""
    spoken_to = _spoken_to(agent_turns)
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


def _surname_of_more_characters(words: list[str], agent_turns: list[str]) -> str | None:
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


def extract_name(transcript: Transcript) -> str | None:
    caller = [without_spelling(mandarin(t.joined)) for t in transcript.side("caller")]
    # 叫 李 呃 李 明亮: the caller starting the name again after a filler
    words = [w for t in transcript.side("caller") for w in mandarin(t.text).split() if w not in _FILLERS]
    answered = _answered(transcript)
    full = _full_name([_RESTARTED.sub(r"\g<s>", text) for text in caller], words) or \
        (answered[1] if answered else None)
    if full:
        return full
    said = _said_of_themselves(caller)
    if said:
        return said[0]
    agent_turns = [t.joined for t in transcript.side("agent")]
    # 您是钟女士吧 asks the caller; 是钟伯伯吧 before it was the caller's father: the asked one first
    asked = _titled(agent_turns, ASKED_BY_NAME)
    agent = asked + [n for n in _titled(agent_turns, AGENT_TITLED, said_to=True) if n not in asked]
    # the surname the caller gives as theirs, corrected (不是张 我姓章) or first, or their answer to 贵姓
    owns = [(m.group("s"), bool(_CORRECTING.search(text, max(0, m.start() - 8), m.start())))
            for text in caller for pattern in (OWN_SURNAME, SELF_BY_WORK) for m in pattern.finditer(text)]
    own = next((s for s, corrected in owns if corrected), owns[0][0] if owns else None) or \
        (answered[0] if answered else None)
    # 二号 姓龙 / 姓袁 幺三六…: a surname given in a turn where no one else is spoken of is the
    # caller's (not 他住在十一幢 姓鲁)
    not_others = next((m.group("s") for text in caller for m in STATED_SURNAME.finditer(text)
                       if not re.search(r"他|她|佢|伊|对方|人家|同学|朋友|邻居", text[:m.start()])), None)
    # not one the caller says is someone else's (佢讲佢姓黄: the cleaner's)
    stated = own or next((m.group("s") for text in caller for m in STATED_SURNAME.finditer(text)
                          if not _OTHERS_BEFORE.search(text[:m.start()])), None)
    foreign = _surname_of_more_characters(words, agent_turns)
    if foreign:
        return foreign
    if stated:
        return _with_surname(stated, own or not_others, agent, agent_turns, caller)
    named = agent or [surname + title for surname, title in _spoken_to(agent_turns) if surname]
    return named[0] if named else None
