"""R16's forbidden phrases (服务禁用语) in the agent's words: the ways each is said (also in regional
words: Cantonese 唔知, 唔关我哋事; Wu 伐晓得, 搭阿拉没关系; south-west 没得关系, 管不到), and the words
around it that make the same characters something else: negated (不能说不知道), the agent
reporting what someone else said (保安跟您说跟我们没关系), a condition (如果您不清楚的话), the
caller's own not knowing (您不知道也没关系), or part of a longer polite question (您知道不知道,
不知道您方便吗)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from callcenter.tickets.transcript import Turn

# Normal form (as R16 lists it, without its punctuation) → the ways of saying it in joined words.
# Where a pattern needs words before the phrase to be sure, the group `said` marks the phrase.
FORBIDDEN: dict[str, re.Pattern[str]] = {
    "喂哪位": re.compile(r"^((嗯|呃)\W*)?((喂|哎|诶)\W*)+((你|您)好\W*)?(您|你)?是?(哪位|谁啊|谁呀)|"
                         r"^(你|您)?哪位(啊|呀)?(\W|$)"),
    "你找谁": re.compile(r"(你|您)(要|到底|是要|想)?找谁|找谁(啊|呀|呢)|"
                         r"(你|您)(要|到底)?找哪个(?=$|\W|啊|呀|嘛|呢)"),
    "你是谁": re.compile(r"(你|您)(到底)?是谁(?![家的])|你谁(啊|呀)|(你|您)是哪个(?=$|\W|啊|呀)"),
    # 知不知道 / 知道不知道 ask; 不知道您方便吗 / 不知道您是哪一户 / 不知道您明天在不在家 is a
    # polite question (a question's 吗 is not enough: 我也不知道 | 您有他的工号吗). With 我 before it,
    # it is the agent's own not knowing whatever follows (我也不知道 | 您还有别的事吗).
    "不知道": re.compile(r"我们?(也|真|真的|是|都|还|确实|实在)?(?P<said>不(太|大|怎么)?(知道|晓得))|"
                         r"(?<!知)(?<!知道)(?<!晓)(不(太|大|怎么)?(知道|晓得)|晓不得|(勿|弗|伐)晓得|唔(太)?(知道|知))"
                         r"(?!(您|你)?\w{0,6}?(是否|方便|方不方便|能不能|有没有|是不是|可不可以|什么时候|是哪|"
                         r"住哪|贵姓|怎么称呼|还记得|需要|要不要|愿不愿意|满意|介意|在不在|在家|还有(其他|别的|什么)))"
                         r"|不是(很|太|特别)(知道|晓得)"),
    # 听不清楚 / 写得不清楚 / 清不清楚 / 有什么不清楚的 are not "I don't know".
    "不清楚": re.compile(r"(?<![听看说讲写标印拍照得清楚有])(?<!什么)(?<!哪里)"
                         r"(不|唔)(太|大|怎么)?清楚(?!的地方)|"
                         r"不是(很|太|特别)清楚"),
    # 我们不管多晚都有人接 is "no matter"; 不归我们管 that says whom to call instead is a referral.
    "我们不管": re.compile(r"(我们|咱们|咱|俺们)(这边|这儿|这里|物业|是|也|就)?不管"
                           r"(?!(您|你|业主)?(什么|多|几|怎么|怎样|如何|是(?!的)|谁|哪|有没有|能不能|大小|白天|晚上|"
                           r"早晚|刮风|下雨|结果|最后))|我们(也)?管不(了|着|到)|我们不负责管|"
                           r"(不归|不是)(我们|咱们|咱)管的?(?!\w{0,4}?(您|你)(可以|得|要|就|去|直接)?(打|找|联系|拨|问|咨询))"
                           # 不是我们管的小区: describing another estate, not refusing the caller's matter
                           r"(?!的?(?:小区|楼盘|项目|片区|园区|大厦|社区))"),
    "跟我们没关系": re.compile(r"(跟|和|与|同|搭)(我们|咱们|咱|俺们|阿拉|我哋)(物业|这边|公司)?(是|也|都|可)?"
                               r"(没有?|没得|冇|毫无)"
                               r"(什么|啥|任何|多大|一点)?关系|(跟|和|与)(我们|咱们|咱)(物业|这边)?无关|"
                               r"(跟|和|与)(我们|咱们|咱)(物业|这边)?(一点|半点|任何)?关系(都|也)没有?|"
                               r"关我们(什么|啥)事|(不|勿|唔)关(我们|阿拉|我哋)的?事|(跟|和|与)(我们|咱们)不相干"),
    "没办法解决": re.compile(r"(没|冇|莫)(有|得)?(什么|啥)?(办法|法子)去?(解决|处理|弄|搞定|帮)|"
                             r"没法(解决|处理|弄)|解决不了|(我们|我|这边|咱们|物业|这个|这事|这种事?|那|这)\w{0,4}?"
                             r"(?P<said>(没|冇|莫)(有|得)?(什么|啥)?(办法|法子|辙))(?=$|\W|[了啊呀的哦呢啦嘛吧]|您|你)"),
    "随便": re.compile(r"(?<![不别勿])随便|随(你|您)(们)?便"),
    "这个问题我不会处理": re.compile(r"(这个问题|这个|这事|这种事)?我(也)?"
                                     r"(不会(处理|弄|搞)(?!错|坏|的时候)|处理不了)"),
    "我现在很忙": re.compile(r"我(们)?(现在|这会儿?|这边)?(很|太|特别|非常|正|正在)忙(?!完)|"
                             r"我(这边|这儿)?正?忙着呢|下次再打|我(们)?(现在|这会儿?|这边)?没(空(?!调)|工夫)|"
                             r"我(们)?(现在|这会儿?|这边)?忙得很|"
                             r"(您|你)(晚点|晚些|过会儿?|等会儿?|等下|一会儿|回头|改天)再打"),
}

# Words just before the phrase that make it not the agent's own saying: a negation (不能说 / 不会跟您
# 讲), someone else's words reported (保安说 / 您是说 / 谁说), "no matter" (不管你找谁), a quotation.
_NOT_SAID_BEFORE = re.compile(
    r"((不是|并不是|不能|不可能|不会|不该|不应该?|不要|不许|不准|不得|不允许|严禁|不可以|不好|不用|别|勿|绝不|决不|从不|从来不|"
    r"怎么能|哪能|禁止)(再)?((跟|对|和|同|给)(您|你|业主|客户|大家)们?)?(说|讲|回答|答复|回)?(是|成)?"
    r"|((?<![跟对和同给向])(您|你)|他|她|保安|师傅|同事|管家|工作人员|员工|客服|前台|值班的?|人家|对方|经理|主管|"
    r"楼管|保洁|维修工?|接线员|有人|谁)(们)?[^\W我]{0,6}?(说|讲|回答|答复|告诉您|回复|回您)(了|过|的是|的|是)?"
    r"|不管|无论|不论|所谓的?|什么叫做?|[“\"「'])$")
# A condition or supposition before it (如果 … 解决不了, 要是您不清楚).
_SUPPOSED_BEFORE = re.compile(r"(如果|要是|万一|假如|假设|若是?|即使|就算|哪怕|一旦)\w{0,6}$")
# Said of the caller or of someone else (您不知道也没关系, 你要是不清楚, 很多业主不知道这个规定, 师傅也
# 不清楚您家在哪), for the phrases about not knowing or not managing: the agent is not saying it of
# the centre.
_OTHERS_BEFORE = re.compile(r"((?<![跟对和同给向让帮替])(您|你)|他|她|业主|大家|邻居|师傅|保安|住户|居民|"
                            r"对方|很多人|有些人|别人|楼上|楼下)们?(也|还|都|要是|如果|可能|是|并|会|要|可能也)?$")
_ABOUT_KNOWING = frozenset({"不知道", "不清楚", "没办法解决"})
# Words just after it: a condition (不清楚的话), the phrase named as words (跟我们没关系这种话).
_NOT_SAID_AFTER = re.compile(r"^(的话|的时候|时候|时|(这种|这样|这类|之类)的?(话|说法|回答|字眼))")
# 下次再打 inviting the caller back (有事您下次再打, 下次再打过来直接报单号) is not sending them away.
_INVITED_BEFORE = re.compile(r"(有事|有问题|再有|还有|随时)\w{0,4}$")
_INVITED_AFTER = re.compile(r"^\w{0,4}?(直接|报|说一下|找我|就行|就可以|也可以)")


@dataclass(frozen=True)
class PhraseHit:
    phrase: str
    at_seconds: float | None


def said_in(text: str) -> list[tuple[int, str]]:
    """Where in the joined words each forbidden phrase is the agent's own saying (offset, normal form)."""
    found: list[tuple[int, int, str]] = []
    for phrase, pattern in FORBIDDEN.items():
        for match in pattern.finditer(text):
            group = "said" if "said" in pattern.groupindex and match.group("said") else 0
            start, end = match.start(group), match.end(group)
            before, after = text[max(0, start - 12):start], text[end:end + 6]
            if _NOT_SAID_BEFORE.search(before) or _SUPPOSED_BEFORE.search(before):
                continue
            if _NOT_SAID_AFTER.match(after):
                continue
            if phrase in _ABOUT_KNOWING and _OTHERS_BEFORE.search(before):
                continue
            if phrase == "我现在很忙" and (_INVITED_BEFORE.search(before) or _INVITED_AFTER.match(after)):
                continue
            found.append((start, end, phrase))
    return sorted((start, phrase) for start, end, phrase in found
                  if not _said_as_another(start, end, phrase, found, text))


def _said_as_another(start: int, end: int, phrase: str, found: list[tuple[int, int, str]],
                     text: str) -> bool:
    """One saying is one finding: where two phrases are read in the same words (喂 你 是 谁 啊 is both
    喂哪位's ways and 你是谁), the phrase said in its own words counts, the other not."""
    return phrase not in text[start:end] and any(
        other != phrase and o_start < end and start < o_end and other in text[o_start:o_end]
        for o_start, o_end, other in found)


def _at(turn: Turn, offset: int) -> float | None:
    """Where in the recording: interpolated inside the turn when it carries start/end times."""
    if turn.start is None:
        return None
    if turn.end is None or not turn.joined:
        return turn.start
    return round(turn.start + (turn.end - turn.start) * offset / len(turn.joined), 2)


def forbidden_hits(agent_turns: list[Turn]) -> list[PhraseHit]:
    """Every forbidden phrase the agent said, in the order said, with its time when the turns have one."""
    return [PhraseHit(phrase, _at(turn, offset))
            for turn in agent_turns for offset, phrase in said_in(turn.joined)]


# R16's own wording where it is longer than the normal form above: a label may name either.
_STANDARD_WORDING = {"喂哪位": "喂，哪位", "我现在很忙": "我现在很忙，您下次再打电话好吗"}
_NOT_WORDS = re.compile(r"\W")  # spaces and punctuation of either width


def phrase_name(label: str) -> str:
    """The normal form of a forbidden phrase as a label names it: R16's wording (喂，哪位 / 我现在很忙，
    您下次再打电话好吗), with or without its punctuation and spaces, or the normal form itself."""
    bare = _NOT_WORDS.sub("", label)
    for name in FORBIDDEN:
        if bare in (name, _NOT_WORDS.sub("", _STANDARD_WORDING.get(name, name))):
            return name
    return bare
