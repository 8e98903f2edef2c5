"""R4: the caller's full name in the forms callers give it: 我叫 / 我是 and the name (also after
their address, 我是D座一五零二的周丽华), the recogniser's separate words for it (叫 谭 丽萍, 我姓 蒋 蒋
伟), the given name said apart from the surname (我姓钱 名字叫小兵) and a name corrected (不对 是汪丽).
Each form ends the name where the caller goes on, so that the words after it are not read as its
characters."""

from __future__ import annotations

import re

from callcenter.tickets.extract.name_checks import (
    NOT_NAMES,
    a_place,
    a_relation,
    is_title,
    of_someone,
    written_name,
)
from callcenter.tickets.extract.name_words import CLAUSE_START as _CLAUSE_START
from callcenter.tickets.extract.name_words import COMPOUND_SURNAMES
from callcenter.tickets.extract.name_words import GIVEN_CHAR as _GIVEN_CHAR
from callcenter.tickets.extract.name_words import NUMERAL as _NUMERAL
from callcenter.tickets.extract.name_words import STOP as _STOP
from callcenter.tickets.extract.name_words import SURNAME as _SURNAME

# What a caller is, said before the name (我是业主张伟, 我是商户严女士): not part of the name.
# Or the caller's relation to someone just spoken of (我是他儿子邢磊 … : the caller's own name).
_ROLE_BEFORE = "(?:业主|住户|租户|商户|房东|车主|(?:他|她)的?(?:儿子|女儿|闺女|孙子|孙女|女婿|儿媳妇?))?"
# 我是他儿子叫高明, 我是叫张伟: 叫 after 我是 and the relation.
FULL = re.compile(r"(?:我叫|我的名字叫|名字叫|"
                  rf"我是{_ROLE_BEFORE}叫?)(?P<s>{_SURNAME})(?P<g>{_GIVEN_CHAR}{{1,2}})")
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
FULL_AFTER_ADDRESS = re.compile(rf"我是(?P<where>[^|我]{{1,16}})的{_ROLE_BEFORE}{_GIVEN}{_NAME_ENDS}")
# …where what comes before 的 is an address (a number, a building, an estate): 我是上夜班的|白天要睡觉
# tells what the caller does, and 白天 is no name.
_AN_ADDRESS = re.compile(rf"[{_NUMERAL}A-Za-z]|栋|幢|座|号|室|单元|区|期|门|层|铺|"
                         r"[房苑园村府湾庭邸寓舍庄坊院城厦楼巷弄路街里]")
# Right after the room, with no 的, only a name that ends the sentence or comes before 我, the
# phone, or the caller asking the agent to note it (…二零三常建华|我就说, …一零二谭勇 记上没; not
# 八零一卫生间那个管子).
FULL_AFTER_ROOM = re.compile(rf"(?<=[零幺一二三四五六七八九]{{3}}){_ROLE_BEFORE}{_GIVEN}"
                             rf"(?=我|[|，。,]|$|[呃嗯]|(?P=s)|电话|手机|记(?:上|下|一下|好|住|着))")
# 我王建军一号楼…: 我 and the name, then the building.
FULL_BEFORE_ADDRESS = re.compile(rf"我{_GIVEN}(?=[{_NUMERAL}]+(?:号楼|栋|幢|座|单元))")
# A given name in its own word: one or two characters that are no stop or numeral, or 一 before
# such a character (蔡 一鸣, as 冯一帆 answers 贵姓).
_GIVEN_WORD = rf"(?:一[^{_STOP}{_NUMERAL}A-Za-z层]|[^{_STOP}{_NUMERAL}A-Za-z]{{1,2}})"


# A count after a name said with 叫 goes on to the matter (我叫鲍玉兰 一个月不到四十块): after 我是 it
# makes a place or a firm (我是苏州一家公司的).
_COUNTS = ("一个", "一家", "那家", "这家")


def _a_place(intro: str, after: list[str] | str, name: str = "") -> bool:
    if "叫" in intro and "".join(after).startswith(_COUNTS):
        return False
    return a_place(after, name)


def _from_words(words: list[str]) -> str | None:
    """Where the recogniser kept the name's own words: 叫 谭 丽萍 / 是 卢 明."""
    for i, word in enumerate(words[:-1]):
        introduces = word.endswith(("叫", "我是")) or (word == "是" and words[i - 1:i] == ["我"])
        if not introduces or (word == "叫" and words[i - 1:i] and of_someone(words[i - 1])):
            continue  # 你叫他早点打, 他叫黄德明, 我妈叫刘桂兰: someone else is told or named
        joined = re.fullmatch(rf"(?P<s>{_SURNAME})(?P<g>{_GIVEN_WORD})", words[i + 1])
        if joined and words[i + 1] not in COMPOUND_SURNAMES and not is_title(joined.group("g")) \
                and not is_title(words[i + 1]) and \
                not words[i + 1].startswith(NOT_NAMES) and \
                not _a_place(word, words[i + 2:i + 5], words[i + 1]):
            named = written_name(joined.group("s"), joined.group("g"))  # 叫 金鹏: one word for the name
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
                    and not is_title(given):
                # 龚 雪 龚 就是 …: the caller spelling the surname out, not a third character
                # 张 伟 弓 长 张: the surname spelled by its parts after the name
                if len(given) == 1 and len(more) == 1 and more not in _STOP and more not in _NUMERAL \
                        and not (more + "".join(rest[2:3])).startswith(_WEEKS) \
                        and not (more == "来" and (more + "".join(rest[2:3])).startswith(_AFTER_NAME)) \
                        and more not in _CLAUSE_START and more != surname and surname not in rest[2:4] \
                        and (rest[2:3] != ["的"] or a_relation(rest[2:4])):  # 宋 佳|租 的 房子
                    given += more  # 邵 春 生: the recogniser split a two-character given name
                    rest = rest[1:]
                someone_else = _a_place(word, rest[1:3], given) or a_relation(rest[1:3])
                named = None if someone_else else written_name(surname, given)
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


# The words a caller takes back what they said with.
CORRECTING = "不对|不是|说错了|讲错了|搞错了|错了"
# A name said again after the caller corrects it (我叫王丽 不对 是汪丽): the corrected one.
CORRECTED = re.compile(rf"(?:{CORRECTING})[，,|]?(?:我)?(?:应该)?(?:是|叫)"
                       rf"{_GIVEN}(?=[|，。,]|$|我|[呃嗯啊]|[{_NUMERAL}]|住|电话|手机)")


def _said_again(words: list[str]) -> str | None:
    """我姓 蒋 蒋 伟 / 老 曹 曹 德 明: the surname, then the whole name in the recogniser's single
    characters, up to a word of two or more (郑州, 原来), a word that follows names (杨 丽 华 在 …)
    or the end."""
    for i, word in enumerate(words[:-3]):
        surname = words[i + 1]
        whose = word[:-1] or (words[i - 1] if i else "")  # 房客 姓 魏 魏 小 东: the tenant's name
        if not (word.endswith("姓") or word in ("老", "小")) or words[i + 2] != surname \
                or not re.fullmatch(_SURNAME, surname) \
                or (word.endswith("姓") and whose and of_someone(whose)):
            continue
        given = ""
        # 老 万 万 国平: the given name in one word of two (not 老 梁 梁 老汉: what the caller is)
        if re.fullmatch(rf"{_GIVEN_CHAR}{{2}}", words[i + 3]) and words[i + 3][0] not in _CLAUSE_START \
                and not words[i + 3].startswith("老"):
            given = words[i + 3]
        for nxt in words[i + 3:i + 5] if not given else []:
            if len(nxt) != 1 or not re.fullmatch(_GIVEN_CHAR, nxt) or nxt in _CLAUSE_START:
                break
            given += nxt
        taken = 1 if len(words[i + 3]) == 2 else len(given)
        end = words[i + 3 + taken:i + 4 + taken]
        if given and (not end or len(end[0]) > 1 or (end[0] in _STOP and end[0] != "的")) \
                and not is_title(given):  # 段 誉 的 段 spells the surname: no name
            return written_name(surname, given)
    return None


def full_name(caller_turns: list[str], words: list[str]) -> str | None:
    said_again = _said_again(words)
    if said_again:
        return said_again
    for text in caller_turns:
        for corrected in CORRECTED.finditer(text):
            if not is_title(corrected.group("g")):
                return written_name(corrected.group("s"), corrected.group("g"))
    from_words = _from_words(words)
    if from_words:
        return from_words
    for pattern in GIVEN_APART:
        for text in caller_turns:
            for apart in pattern.finditer(text):
                given = apart.group("g") or apart.group("g2")
                named = None if is_title(given) else written_name(apart.group("s"), given)
                if named:
                    return named
    for i, word in enumerate(words[:-2]):
        # 我 是 D 座 一 五 零 二 的 周 丽华: the name after the address in a self-introduction
        # (是 after 我: 我想想 是二单元的大堂 … 的 戴 眼镜 is no self-introduction)
        if word == "的" and any((w == "是" and words[j - 1:j] == ["我"]) or w == "我是"
                                for j, w in enumerate(words[max(0, i - 12):i], start=max(0, i - 12))) \
                and re.fullmatch(_SURNAME, words[i + 1]) \
                and re.fullmatch(rf"[^{_STOP}{_NUMERAL}A-Za-z]{{2}}",
                                 words[i + 2]) and not is_title(words[i + 2]):
            return words[i + 1] + words[i + 2]
    for pattern in (FULL, FULL_AFTER_ADDRESS, FULL_AFTER_ROOM, FULL_BEFORE_ADDRESS):
        for text in caller_turns:
            for match in pattern.finditer(text):
                given = match.group("g")
                if pattern is FULL_AFTER_ADDRESS and not _AN_ADDRESS.search(match.group("where")):
                    continue
                if is_title(given) or (match.group("s") + given).startswith(NOT_NAMES) \
                        or text[match.start("g"):].startswith(_LAI_WORDS) \
                        or _a_place(match.group(0), text[match.end():], given) \
                        or a_relation(text[match.end():]) \
                        or (len(given) == 2
                            and _a_place(match.group(0), text[match.end() - 1:])):  # 金星|商住楼, 韩国|人
                    continue  # 我是王先生: a title; 我是顾客, 我是桂园这边的: not a name
                after = text[match.end("g"):]
                if len(given) == 2 and (text[match.start("g") + 1:].startswith(_AFTER_NAME)
                                        or given[1] in _CLAUSE_START or given[1] == match.group("s")
                                        or after[1:2] == match.group("s") != after[:1]  # 张伟|弓长张
                                        or ("叫" in match.group(0) and after[:1] == "的")):  # 宋佳|租的
                    given = given[0]  # 龚雪|龚就是…: the surname said again to spell it
                named = written_name(match.group("s"), given)
                if named:
                    return named
    return None
