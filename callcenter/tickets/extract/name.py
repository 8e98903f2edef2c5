"""R4/R15: the caller's name as the labels write it: the full name when the caller gives it
(我叫李秀英), otherwise surname and title (王先生, 甘女士) from the caller or the agent's address."""

from __future__ import annotations

import re

from callcenter.tickets.transcript import Transcript

SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季"
    "裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄"
    "窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池"
    "查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆"
)
# Surnames that are also everyday words a caller says after 我是 (楼上, 南门, 和平…) are left out.
SURNAMES -= set("楼路海花豆位满盘原南时和区全应边明成车项连简古吉司游曲谷党宫费冷席米单毕解屈房强乐")
COMPOUND_SURNAMES = {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "慕容", "尉迟", "令狐", "夏侯"}
TITLES = {"先生": "先生", "女士": "女士", "小姐": "女士", "阿姨": "女士", "大姐": "女士", "太太": "女士",
          "师傅": "先生", "大爷": "先生", "叔叔": "先生", "老师": None}
_STOP = set("住是的在我叫姓啊呀吧呢了就要想家楼号栋幢座单元电话")
_INTRO = re.compile(r"^(?:我叫|我的名字叫|名字叫|我是|叫)$")


def _surname(word: str) -> str | None:
    if word in COMPOUND_SURNAMES or (len(word) == 1 and word in SURNAMES):
        return word
    return None


def _full_name(words: list[str], i: int) -> str | None:
    """After 我叫: a surname word then a given-name word (谭 丽萍), or one word 谭丽萍."""
    first = words[i] if i < len(words) else ""
    if 2 <= len(first) <= 3 and first[0] in SURNAMES and not set(first[1:]) & _STOP:
        return first
    surname = _surname(first)
    if not surname or i + 1 >= len(words):
        return None
    given = words[i + 1]
    if 1 <= len(given) <= 2 and not set(given) & _STOP and given not in TITLES:
        return surname + given
    return None


def _titled(words: list[str]) -> list[str]:
    """Every 王 先生 / 王先生 in the words, normalised to 先生/女士."""
    found: list[str] = []
    for i, word in enumerate(words):
        for title, normal in TITLES.items():
            if normal is None:
                continue
            if word == title and i > 0 and _surname(words[i - 1]):
                found.append(words[i - 1] + normal)
            elif word.endswith(title) and _surname(word[: -len(title)]):
                found.append(word[: -len(title)] + normal)
    return found


def extract_name(transcript: Transcript) -> str | None:
    caller_words = [w for t in transcript.side("caller") for w in t.text.split()]
    for i, word in enumerate(caller_words):
        introduced = word in ("叫", "名字叫") or _INTRO.match(word) or (word == "是" and caller_words[i - 1:i] == ["我"])
        if introduced:
            name = _full_name(caller_words, i + 1)
            if name:
                return name
    said = _titled(caller_words)
    if said:
        return said[0]
    surname = _stated_surname(caller_words)
    agent = _titled([w for t in transcript.side("agent") for w in t.text.split()])
    if surname:
        matching = [n for n in agent if n.startswith(surname)]
        return matching[0] if matching else None
    return agent[0] if agent else None


def _stated_surname(words: list[str]) -> str | None:
    for i, word in enumerate(words):
        if word in ("姓", "免贵姓") and i + 1 < len(words):
            return _surname(words[i + 1]) or _surname(words[i + 1][:1])
        if word.startswith("姓") and len(word) == 2:
            return _surname(word[1])
    return None
