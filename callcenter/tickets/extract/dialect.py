"""Regional function words read as their Mandarin equivalents, so that the name and address
patterns (我是 … 的, 住在 …) hold for callers who speak a regional Mandarin: Cantonese 系 (是),
嘅 (的), 喺 (在); Wu 阿拉 (我们), 伊拉 (他们), 住辣 / 住勒 (住在); one's home, 我屋企 / 我屋头 /
我屋里 (我家); the north's 俺 (Shandong, Henan, the north-east) and the north-west's 额 (Shaanxi: 额姓刘,
额是家属院的) for 我.
Only words that have no other meaning where they are replaced: 系 stays in 关系, 联系, 系统, 体系;
阿拉伯 stays Arabic; 额 stays
an amount or a quota (金额, 名额, 超额, 额度, 额外) and the forehead (额头)."""

from __future__ import annotations

import re
from typing import Literal

from callcenter.tickets.transcript import Transcript

# (pattern, Mandarin). 系 is the copula after a pronoun, 就/都/唔/即 or at the start of a clause,
# or as a word of its own when the recogniser spaced it.
_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?:(?<=[我你佢他她就都唔即仲])|(?<=^)|(?<=[|，。,\s]))系(?![统列数])"), "是"),
    (re.compile(r"嘅"), "的"),
    (re.compile(r"喺"), "在"),
    (re.compile(r"阿拉(?!伯)"), "我们"),
    (re.compile(r"伊拉(?!克)"), "他们"),  # Wu "they"; 伊拉克 stays Iraq
    (re.compile(r"住(?:辣|勒|拉)(?=[\s零〇一幺二两三四五六七八九十A-Za-z])"), "住在"),
    # "I" in northern regional words: 俺 (俺们 → 我们), 额 where it is no amount (金额, 额度) or forehead
    (re.compile(r"俺"), "我"),
    (re.compile(r"(?<![金名超限余定份巨数差配总税票满空欠缴交面])额(?![度头外定])"), "我"),
    # one's home: Cantonese 屋企, south-west 屋头, Wu 屋里 after a pronoun (我屋头 → 我家)
    (re.compile(r"(?<=[我你他她])\s?(?:屋企|屋头|屋里)"), "家"),
)


def mandarin(text: str) -> str:
    """The text with regional function words replaced (spaced or joined words alike)."""
    for pattern, word in _WORDS:
        text = pattern.sub(word, text)
    return text


def side_text(transcript: Transcript, side: Literal["agent", "caller"]) -> str:
    """One side's turns read as Mandarin, joined by | (the recogniser's turn break), as the address
    patterns read them."""
    return "|".join(mandarin(t.joined) for t in transcript.side(side))
