"""R5: the kind of matter — 报修 repair, 投诉 complaint, 咨询 inquiry, 建议 suggestion, 表扬 praise,
缴费 billing, 放行 release, else other.

Keyword rules on the caller's joined words (the recogniser's word splits do not matter then).
An emergency is a repair (R19). A caller who names the kind (我要投诉, 提个建议, 表扬一下, 放行条) is
taken at their word. Otherwise cues are counted, the caller's first real turn weighing double; a
repair is recognised by a thing that breaks (水管, 灯, 门锁…) said with how it fails (漏, 不亮, 打不开…).
Chosen over a character n-gram classifier on the labeled sets (see bench/ticket_accuracy.py)."""

from __future__ import annotations

import re

from callcenter.tickets.transcript import Transcript

CATEGORIES = ("repair", "complaint", "inquiry", "suggestion", "praise", "billing", "release", "other")

DECLARED: list[tuple[str, re.Pattern[str]]] = [
    # A wrong number: the caller wanted someone else (the police station, a shop, a bank).
    ("other",
     re.compile(r"打错了|打错电话|派出所|是(?!物业)[^|]{1,6}(局|所|医院|银行|电视台|店|学校|公司)吗|"
                r"外卖到了")),
    ("release", re.compile(r"放行|出门条|出门单|出门手续|出门证|开条子|大件|搬家|退房|退租|"
                           r"(搬|运|拉)[^|]{0,8}(出去|出小区|走)|"
                           r"(门口|保安|门岗)[^|]{0,4}不让(走|出)")),
    ("praise", re.compile(r"表扬|锦旗|点[^|]{0,2}赞|感谢信|夸一下|夸夸|想谢谢|要谢谢|谢谢(他|她)")),
    ("complaint", re.compile(r"投诉")),
    ("suggestion", re.compile(r"建议|提[个一点]?意见|提个想法|(要是|如果)能[^|]{0,12}就好了")),
    ("repair", re.compile(r"报修|报个修|保修")),
]
_NEGATION = re.compile(r"(不是|不|没|不想|不用)$")

THINGS = re.compile(
    r"水管|管子|龙头|花洒|马桶|下水道|地漏|水池|水箱|热水器|阀|灯|开关|插座|电闸|空调|风扇|门禁|对讲|门铃|锁|"
    r"门(?![口岗卫])|窗|玻璃|"
    r"晾衣架|电梯|墙|天花板|吊顶|屋顶|防水|暖气|地板|瓷砖|地砖|柜子|闭门器|监控|道闸|水压|线路|电路|井盖|"
    r"盖板|栏杆|扶手|"
    r"路灯|台阶|管道|电|水")
FAILURES = re.compile(
    r"坏|不亮|不转|不动|不响|不热|不出|不通|没电|没水|没反应|没声音|漏|渗|滴|喷|滋|堵|裂|断|松|脱落|"
    r"卡住|夹|晃|"
    r"异响|开不了|打不开|关不上|关不严|关不紧|合不上|摇不下来|用不了|不好用|失灵|不灵|跳闸|短路|湿|泡|发霉|"
    r"鼓包|返|臭|"
    r"拧不动|下不去|冲不下去|不行|刷不开|刷不了|不开|开不开|流水|停不下来|水小|洗不了|不够|鼓起|起鼓|空鼓|"
    r"会动|松动|"
    r"翘起|塌|破|碎|歪")
CUES: dict[str, re.Pattern[str]] = {
    "repair": re.compile(r"修一下|修理|维修|来修|派人|师傅上门|上门看|故障|漏电|跳闸"),
    "complaint": re.compile(
        r"太吵|噪音|扰民|吵得|吵死|乱停|占着|占用|消防通道|出不去|挡着|不管|没人管|态度|凶|不满意|好几次|"
        r"第[二三四五几]次|又有人|多少次|一直没|还没人|没人来|也没人|说好|怎么回事|到现在|到今天|还不来|乱扔|"
        r"抽烟|"
        r"烟味|没人清|没人收|臭死|苍蝇|狗屎|不拴绳|遛狗|高空抛物|抛物|半夜|放烟花|放炮|太差|不负责|收了钱|"
        r"凭什么|"
        r"气死|受不了|睡不着|没睡好|太过分|不像话"),
    "inquiry": re.compile(
        r"想问|问一下|问下|问问|请问|咨询|打听|怎么办理|怎么弄|怎么收费|需要带|要带|几点|几号|什么时候|开放|"
        r"能不能办|"
        r"多少钱|在哪|哪里|有没有|是真的吗|要不要|流程|手续|了解一下|听说|是哪|哪几|办什么|要什么|要准备|"
        r"预约"),
    "suggestion": re.compile(
        r"能不能.{0,8}(装|加|增加|安排|设|建|改|多|开|挪)|希望|可以考虑|考虑一下|我觉得|最好|是不是可以|"
        r"应该.{0,4}(装|加)|就好了"),
    "praise": re.compile(r"感谢|特别好|非常好|特别细|很负责|太负责|很热情|辛苦了|服务真好|好人|干干净净|捡到|"
                         r"送回来|"
                         r"扶起来|真不错|谢谢你们.{0,6}(师傅|保安|管家)"),
    "billing": re.compile(
        r"物业费|管理费|缴费|交费|交钱|扣款|代扣|滞纳金|发票|收据|停车费|水费|电费|燃气费|"
        r"燃气卡|账单|欠费|"
        r"催缴|催费|退费|预存|月卡|续费|多扣|扣了|充值|充钱|没钱了|优惠"),
}
# Asking whether there is an outage is an inquiry even when the flat has no water (R19: not an
# emergency either).
OUTAGE_QUESTION = re.compile(r"停(水|电|气)了?吗|是不是停(水|电|气)")
# Ties go to the earlier, more actionable kind.
_PRIORITY = ("repair", "billing", "complaint", "suggestion", "praise", "inquiry")


def _declared(text: str) -> str | None:
    for category, pattern in DECLARED:
        for match in pattern.finditer(text):
            if not _NEGATION.search(text[max(0, match.start() - 3):match.start()]):
                return category
    return None


def _breakage(text: str) -> int:
    """A thing that breaks said together with how it fails, in one clause."""
    return sum(1 for clause in re.split(r"[|，。？]",
                                        text) if THINGS.search(clause) and FAILURES.search(clause))


def scores(transcript: Transcript) -> dict[str, float]:
    caller = [t.joined for t in transcript.side("caller")]
    totals = dict.fromkeys(_PRIORITY, 0.0)
    first = _first_substantive(caller)
    for index, text in enumerate(caller):
        weight = 2.0 if index == first else 1.0
        for category, pattern in CUES.items():
            totals[category] += weight * len(pattern.findall(text))
        totals["repair"] += weight * _breakage(text)
        totals["inquiry"] += 2 * weight * len(OUTAGE_QUESTION.findall(text))
    return totals


def _first_substantive(caller: list[str]) -> int:
    for index, text in enumerate(caller):
        if len(re.sub(r"喂|你好|您好|是物业吗|啊|嗯", "", text)) > 4:
            return index
    return 0


def classify(transcript: Transcript, emergency: bool = False) -> str:
    if emergency:
        return "repair"  # R19: an emergency is work for the engineers, whatever else is said
    declared = _declared(transcript.words("caller"))
    if declared:
        return declared
    totals = scores(transcript)
    best = max(_PRIORITY, key=lambda c: totals[c])
    if best == "inquiry" and totals["billing"] > 0:
        return "billing"  # a question about one's own fees is 缴费 business (R5)
    if totals[best] > 0:
        return best
    return "inquiry" if _asks(transcript) else "other"


_QUESTION = re.compile(r"什么|怎么|哪|几|多少|能不能|可不可以|要不要|有没有")


def _asks(transcript: Transcript) -> bool:
    """A caller who asks something (not "can you hear me") with no other cue is inquiring."""
    return any(_QUESTION.search(t.joined) for t in transcript.side("caller"))
