"""R4: a caller spells the surname (and sometimes a given name's character) so that the agent
writes it right: by its parts (弓长张, 立早章, 耳东陈, 口天吴), by its radical (草头黄, 三点水的汪,
单人旁的何) or by a word it begins or ends (伟大的伟, 黎明的黎, Wu 严格个严; 姓石 石头石 with no
的). The spelling repeats a character already said and is read out of the caller's words before
the name is looked for, so that 张伟弓长张 is 张伟 and 弓长张张国华 is 张国华."""

from __future__ import annotations

import re

# A character told by its parts; the character itself follows (弓长张).
_PARTS = ("弓长", "立早", "耳东", "口天", "古月", "木子", "双口", "言午", "人可", "禾呈", "走肖", "关耳",
          "文刀", "木易", "子小", "双木", "千里", "日月", "王白", "口十", "女古", "土口", "文武", "雨文")
# A character told by its radical; the character follows, perhaps after 的 (三点水的汪).
_RADICALS = ("草头", "草字头", "三点水", "单人旁", "单立人", "双人旁", "木字旁", "耳朵旁", "耳刀旁",
             "言字旁", "金字旁", "宝盖头", "提土旁", "绞丝旁", "口字旁", "女字旁", "竖心旁", "走之旁",
             "反文旁", "王字旁", "日字旁", "火字旁", "禾木旁", "三横一竖")
_NUMERAL = "零〇一幺二两三四五六七八九十百千"
# A radical and what stands beside it (双人旁一个寺, 三点水一个每, 木字旁加个公); 徐是 before it says
# which character is spelled (徐是双人旁一个余).
_BY_PARTS = re.compile(rf"(?:[\u4e00-\u9fff](?:是|就是))?(?:{'|'.join(_PARTS)}|{'|'.join(_RADICALS)})"
                       r"(?:的|个|(?:加|再加)?(?:一个|两个|个)|加)?[\u4e00-\u9fff]")
# A word and one of its own characters: 伟大的伟, 黎明的黎, 严格个严 (Wu 个 for 的); a spelling only
# of a character said just before (张伟 … 伟大的伟), not 小区的区 said on its own.
_BY_WORD = re.compile(rf"(?P<a>[^\W\d{_NUMERAL}])(?!(?P=a))(?P<b>[^\W\d{_NUMERAL}])"
                      r"(?:的|个)(?P<c>(?P=a)|(?P=b))")
# The same with the character said first (凯是凯旋的凯, 丽是美丽的丽), and 一 by counting (一二三的一).
_SAID_BY_WORD = re.compile(r"(?P<c>[^\W\d])(?:是|就是)(?:(?P=c)[^\W\d]|[^\W\d](?P=c))(?:的|个)(?P=c)|"
                           r"一二三(?:四)?的一")
# Right after 姓, a word with the surname, then the surname, also with no 的 (姓石 石头 石): the
# surname told by a word and said again.
_SURNAME_BY_WORD = re.compile(r"(?<=姓)(?P<c>[^\W\d])(?:(?P=c)[^\W\d]|[^\W\d](?P=c))(?:的|个)?(?P=c)")
_SAID_BEFORE = 12  # characters before the spelling in which the spelled character was said


def without_spelling(text: str) -> str:
    """The caller's joined words with the spellings of characters left out."""
    def by_word(match: re.Match[str]) -> str:
        said = match.group("c") in text[max(0, match.start() - _SAID_BEFORE):match.start()]
        return "" if said else match.group()

    text = _SURNAME_BY_WORD.sub(r"\g<c>", text)
    return _BY_WORD.sub(by_word, _SAID_BY_WORD.sub("", _BY_PARTS.sub("", text)))
