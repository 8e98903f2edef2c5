"""R5: the kind of matter — 报修 repair, 投诉 complaint, 咨询 inquiry, 建议 suggestion, 表扬 praise,
缴费 billing, 放行 release, else other.

Keyword rules on the caller's joined words (the recogniser's word splits do not matter then).
A caller who names the kind (我要投诉, 提个建议, 表扬一下) is taken at their word; otherwise cue
words are counted, the first thing the caller says weighing double. Chosen over a character
n-gram classifier on the labeled set (see bench/ticket_accuracy.py)."""

from __future__ import annotations

import re

from callcenter.tickets.transcript import Transcript

CATEGORIES = ("repair", "complaint", "inquiry", "suggestion", "praise", "billing", "release", "other")

# The caller says what kind of matter it is.
DECLARED: list[tuple[str, re.Pattern[str]]] = [
    # A wrong number: the caller wanted someone else (the police station, a shop, a bank).
    ("other", re.compile(r"打错了|打错电话|派出所|是(?!物业)[^|]{1,6}(局|所|医院|银行|电视台|店|学校|公司)吗|外卖到了")),
    ("release", re.compile(r"放行|放型|搬家|搬走|搬出|搬东西出|出门条|出门手续|出门证|运出去|拉出去")),
    ("praise", re.compile(r"表扬|表羊|锦旗|点赞|感谢信|夸一下|夸夸")),
    ("complaint", re.compile(r"投诉|头诉|投数")),
    ("suggestion", re.compile(r"建议|提个意见|提一个意见|提点意见|提个想法")),
    ("repair", re.compile(r"报修|报个修|保修|抱修")),
]
CUES: dict[str, re.Pattern[str]] = {
    "repair": re.compile(
        r"坏了|坏掉|坏的|不亮|漏水|渗水|滴水|漏下来|堵了|堵住|堵塞|不通|跳闸|没电|没水|没有水|水压|修一下|修理|维修|"
        r"来修|派人|看一下|师傅上门|打不开|刷不开|关不上|关不紧|不出水|不热|凉的|裂缝|裂了|墙皮|掉皮|松了|异响|故障|"
        r"漏电|没反应|没声音|听不见|失灵|不灵|拧不动|返臭|返水|冒水|下不去|马桶|水龙头|下水道|地漏|插座|门锁|门禁|"
        r"灯.{0,3}(坏|不亮|闪)|天花板|吊顶|防水|暖气"),
    "complaint": re.compile(
        r"太吵|噪音|扰民|吵得|吵死|乱停|占着|占用|消防通道|出不去|挡着|不管|没人管|态度|凶|不满意|好几次|"
        r"第[二三四五几]次|又有人|多少次|一直没|还没人|还不来|乱扔|抽烟|烟味|没人清|臭死|苍蝇|狗屎|不拴绳|遛狗|"
        r"高空抛物|抛物|半夜|放烟花|放炮|太差|不负责|收了钱|凭什么|气死|受不了|睡不着"),
    "inquiry": re.compile(
        r"想问|问一下|问问|请问|咨询|打听|怎么办理|怎么弄|需要带|要带|几点|什么时候|开放|能不能办|"
        r"多少钱|在哪|哪里|有没有|是真的吗|要不要|流程|手续|了解一下"),
    "suggestion": re.compile(
        r"能不能.{0,8}(装|加|增加|安排|设|建|改|多|开)|希望|可以考虑|考虑一下|我觉得|最好|是不是可以|应该.{0,4}(装|加)"),
    "praise": re.compile(r"表扬|表羊|感谢|谢谢你们.{0,6}(师傅|保安|管家)|特别好|非常好|特别细|很负责|太负责|很热情|"
                         r"辛苦了|服务真好|好人|干干净净|捡到|送回来"),
    "billing": re.compile(
        r"物业费|物业非|管理费|缴费|交费|交钱|扣款|代扣|滞纳金|发票|收据|停车费|停车非|水费|电费|燃气费|账单|欠费|"
        r"催费|收费|费用|退费|预存|月卡|续费|多扣|扣了"),
}
# Words that settle a tie or a close call: a repair request asks someone to come and fix.
_PRIORITY = ("repair", "billing", "complaint", "suggestion", "praise", "inquiry")


def _declared(text: str) -> str | None:
    for category, pattern in DECLARED:
        match = pattern.search(text)
        if match and not _negated(text, match.start()):
            return category
    return None


def _negated(text: str, start: int) -> bool:
    return bool(re.search(r"(不是|不|没|不想|不用)$", text[max(0, start - 3):start]))


def scores(transcript: Transcript) -> dict[str, float]:
    caller = [t.joined for t in transcript.side("caller")]
    totals = dict.fromkeys(_PRIORITY, 0.0)
    for index, text in enumerate(caller):
        weight = 2.0 if index == _first_substantive(caller) else 1.0
        for category, pattern in CUES.items():
            totals[category] += weight * len(pattern.findall(text))
    return totals


def _first_substantive(caller: list[str]) -> int:
    for index, text in enumerate(caller):
        if len(re.sub(r"喂|你好|您好|是物业吗|啊|嗯", "", text)) > 4:
            return index
    return 0


def classify(transcript: Transcript, emergency: bool = False) -> str:
    if emergency:
        return "repair"  # R19: an emergency is work for the engineers, whatever else is said
    declared = _declared("|".join(t.joined for t in transcript.side("caller")))
    if declared:
        return declared
    totals = scores(transcript)
    best = max(_PRIORITY, key=lambda c: totals[c])  # ties go to the earlier, more actionable kind
    return best if totals[best] > 0 else "other"
