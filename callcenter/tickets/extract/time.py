"""R4: a convenient time for the repair (or the move-out), as the caller says it (明天晚上七点,
周六下午三点, 明儿上午, 十点前, 一个小时以后), and the visit time it stands for, when it names a day
and an hour; time_label, the form two ways of saying one time are compared in."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from callcenter.tickets.extract.numerals import positional_value
from callcenter.tickets.transcript import Transcript

_N = "[零一二两三四五六七八九十]+"
_WEEK = r"(?:周|星期|礼拜)"
_DAY = (r"(?:今天|明天|后天|大后天|今儿个?|明儿个?|明早|今早|今晚|明晚|"
        rf"(?:这个?|下个?)?{_WEEK}[一二三四五六日天末]|这个?周末|(?:下个?月){_N}号|{_N}号(?=那天|以后|之后|以前|之前)"
        r")")
_PART = r"(?:上午|下午|上半天|下半天|晚上|中午|早上|傍晚|白天|夜里|早晨|后晌|全天|一整天)"
_CLOCK = rf"(?:{_N}点(?!水)(?:半|{_N}分?|多)?钟?)"
_RANGE = rf"(?:(?:到|至){_PART}?{_CLOCK}|以后|之后|过后|以前|之前|左右|前后|前(?!天)|以内|之内)?"
# 一个小时以后, 半个钟内, 马上来: a time counted from now.
_FROM_NOW = (r"(?:(?:[一两三四五六七八九十半]个半?|半)(?:小时|钟头?)(?:以后|之后|后(?!来)|以内|之内|内)"
             r"|(?:马上|现在|立刻)(?=来|过来|派|上门|到))")
TIME = re.compile(rf"(?:{_DAY}{_PART}?(?:{_CLOCK})?|{_PART}{_CLOCK}?|{_CLOCK}){_RANGE}|{_FROM_NOW}")
_PAST = re.compile(r"昨天|前天|上周|上个|上礼拜|刚才|早就|已经|开始|的时候|那天|来钟")
_ASKS_TIME = re.compile(r"什么时候|啥时候|几点|时间|方便|哪天|在家吗|在不在家|合适")
_NOT_A_TIME = re.compile(r"^(?:白天|早上|晚上|中午|下午|上午)$")


def _expressions(text: str, bare_parts: bool = False) -> list[str]:
    found = []
    for match in TIME.finditer(text):
        expr = match.group(0)
        after = text[match.end():match.end() + 4]
        before = text[max(0, match.start() - 3):match.start()]
        if _PAST.search(before + expr + after[:3]) or (_NOT_A_TIME.match(expr) and not bare_parts):
            continue
        if expr == "一点":  # 快一点, 有一点: a little, not one o'clock
            continue
        found.append(expr)
    return found


_DAY_RE = re.compile(_DAY)
_PART_RE = re.compile(_PART)


def _complete(expr: str, context: list[str]) -> str:
    """五点之前 said after 今天下午 (by the caller, or in the agent's question) means 今天下午五点之前."""
    if re.fullmatch(_FROM_NOW, expr):
        return expr
    for earlier in reversed(context):
        day, part = _DAY_RE.match(earlier), _PART_RE.search(earlier)
        has_day, has_part = bool(_DAY_RE.match(expr)), bool(_PART_RE.match(expr))
        prefix = (("" if has_day or not day else day.group(0))
                  + ("" if has_day or has_part or not part else part.group(0)))
        if prefix:
            return prefix + expr
    return expr


# The agent promising a visit or a call back at a time (今天下午安排师傅上门, 半小时内给您回电话).
_PROMISE = re.compile(r"安排|派|上门|过去|过来|到您|给您回|回电话|回复|预留|约|师傅|电工|保安")


def _answers(transcript: Transcript) -> list[str]:
    asked, agent_said = False, []
    found: list[str] = []
    for turn in transcript.turns:
        if turn.speaker == "agent":
            asked = asked or bool(_ASKS_TIME.search(turn.joined))
            agent_said = [m.group(0) for m in TIME.finditer(turn.joined)]
        elif asked:
            said = [m.group(0) for m in TIME.finditer(turn.joined)]
            for expr in _expressions(turn.joined, bare_parts=bool(agent_said)):
                before = said[: said.index(expr)] if expr in said else []
                found.append(_complete(expr, agent_said + before))
    return found


def _said(transcript: Transcript) -> list[tuple[str, str]]:
    """Every time named in the call, in order, with who named it, completed by the times before it."""
    said: list[tuple[str, str]] = []
    for turn in transcript.turns:
        for expr in _expressions(turn.joined, bare_parts=True):
            said.append((turn.speaker, _complete(expr, [e for _, e in said])))
    return said


# A time precise enough to be recognised in other words: a weekday, a part of day or an hour (a
# bare 今儿 … 今天 is as often the day something happened).
_NAMED = re.compile(rf"{_WEEK}|{_PART}|点")


def _echoed(said: list[tuple[str, str]]) -> str | None:
    """The caller's last time that the agent then repeats (明天下午三点以后 … 好的 明天下午三点以后),
    in other words or shortened (今儿晚上 … 今天晚上, 这周六上午 … 周六上午): the time agreed on, in
    the caller's words (the agent's when they add the day)."""
    agreed = None
    for index, (speaker, expr) in enumerate(said):
        if speaker != "caller" or _NOT_A_TIME.match(expr):
            continue
        for later_speaker, later in said[index + 1:]:
            if later_speaker != "agent" or _NOT_A_TIME.match(later):
                continue
            if later.endswith(expr) or (_NAMED.search(expr) and time_label(later).endswith(time_label(expr))):
                agreed = later if len(later) > len(expr) and _DAY_RE.match(later) else expr
                break
            if _NAMED.search(later) and time_label(expr).endswith(time_label(later)):
                agreed = expr
                break
    return agreed


def _asked_now(transcript: Transcript) -> str | None:
    """The caller asking for someone at once or after a while (你们马上来人, 一个小时以后来)."""
    now = [m.group(0) for turn in transcript.turns if turn.speaker == "caller"
           for m in re.finditer(_FROM_NOW, turn.joined)]
    return now[-1] if now else None


def _promised(transcript: Transcript) -> str | None:
    """The agent's last time for a visit or a call back, when the caller gave none."""
    promised = None
    for turn in transcript.turns:
        if turn.speaker == "agent" and _PROMISE.search(turn.joined):
            found = [e for e in _expressions(turn.joined) if not _NOT_A_TIME.match(e)
                     and not re.fullmatch(_FROM_NOW, e) and (_PART_RE.search(e) or "点" in e)]
            if found:
                promised = found[0]
    return promised


_MOVING = re.compile(r"搬|拉|运|退|车")
_TODAY = re.compile(r"今天|今儿个?")


def _move_out_day(transcript: Transcript) -> str | None:
    """A move-out call tells when the goods leave (明天下午三点搬家公司过来拉家具, 这周日要搬走): the
    caller's first time naming a day with the moving right after it; a bare 今天 (今天搬家 东西都装车了)
    is a move under way, not one booked."""
    for turn in transcript.turns:
        if turn.speaker != "caller":
            continue
        text = turn.joined
        for match in TIME.finditer(text):
            expr = match.group(0)
            if (_DAY_RE.match(expr) and not _TODAY.fullmatch(expr) and expr in _expressions(text)
                    and _MOVING.search(text[match.end():match.end() + 8])):
                return expr
    return None


def extract_preferred_time(transcript: Transcript, move_out: bool = False) -> str | None:
    """The time agreed on: the caller's that the agent repeats; else the caller's answer once the
    agent has asked (the last naming an hour, else the last day/part of day); else the caller asking
    for someone at once or after a while (马上来, 一个小时以后); for a move-out (``move_out``), the
    day the caller says the goods leave; else the time the agent offers or promises."""
    echoed = _echoed(_said(transcript))
    if echoed:
        return echoed
    found = [e for e in _answers(transcript) if not _NOT_A_TIME.match(e)]
    if found:
        with_hour = [e for e in found if "点" in e]
        return (with_hour or found)[-1]
    moving = _move_out_day(transcript) if move_out else None
    return _asked_now(transcript) or moving or _promised(transcript)


_WEEKDAYS = "一二三四五六日"
_PART_HOURS = {"上午": 9, "上半天": 9, "早上": 8, "早晨": 8, "中午": 12, "下午": 14, "下半天": 14, "后晌": 14,
               "傍晚": 18, "晚上": 19, "夜里": 21}


def visit_at(expr: str, now: dt.datetime, timezone: str) -> dt.datetime | None:
    """The datetime the words stand for, in the centre's time zone; None if no day and hour."""
    local = now.astimezone(ZoneInfo(timezone))
    day = _day(expr, local.date())
    hour_match = re.search(rf"({_N})点(半)?", expr)
    part = next((p for p in _PART_HOURS if p in expr), None)
    if day is None or (hour_match is None and part is None):
        return None
    hour = positional_value(hour_match.group(1)) if hour_match else _PART_HOURS[part or "上午"]
    if hour is None or hour > 24:
        return None
    if part in ("下午", "下半天", "后晌", "晚上", "傍晚") and hour < 12:
        hour += 12
    minute = 30 if hour_match and hour_match.group(2) else 0
    when = dt.datetime.combine(day, dt.time(hour % 24, minute), ZoneInfo(timezone))
    return when.astimezone(dt.UTC)


def _day(expr: str, today: dt.date) -> dt.date | None:
    for word, offset in (("大后天", 3), ("后天", 2), ("明", 1), ("今", 0)):
        if word in expr:
            return today + dt.timedelta(days=offset)
    match = re.search(r"(?:周|星期|礼拜)([一二三四五六日天])", expr)
    if match:
        target = _WEEKDAYS.index(match.group(1).replace("天", "日"))
        ahead = (target - today.weekday()) % 7 or 7
        return today + dt.timedelta(days=ahead + (7 if "下周" in expr else 0))
    return None


_SAME_WORDS = (("今儿", "今天"), ("明儿", "明天"), ("今晚", "今天晚上"), ("明晚", "明天晚上"),
               ("明早", "明天早上"), ("今早", "今天早上"), ("后晌", "下午"), ("上半天", "上午"),
               ("下半天", "下午"), ("这个", "这"),
               ("礼拜", "周"), ("星期", "周"), ("周天", "周日"), ("点钟", "点"), ("之后", "以后"),
               ("过后", "以后"), ("之前", "以前"))
_ARABIC = re.compile(r"\d+")
_DIGIT_WORDS = "零一二三四五六七八九"


def time_label(value: str) -> str:
    """The normal form a time is compared in (scoring): the same time in another speaker's words
    (今儿/今天, 今晚/今天晚上, 礼拜六/星期六/周六, 这个周六/周六, 之后/过后/以后, 十点前/十点以前,
    8点/八点) is one."""
    text = value.replace(" ", "")
    for said, normal in _SAME_WORDS:
        text = text.replace(said, normal)
    text = re.sub(r"(?<![以之])前$", "以前", text).replace("这周", "周")
    return _ARABIC.sub(lambda m: _spoken(int(m.group(0))), text)


def _spoken(number: int) -> str:
    if number >= 100:
        return str(number)
    tens, ones = divmod(number, 10)
    return (("" if tens < 2 else _DIGIT_WORDS[tens]) + ("十" if tens else "")
            + (_DIGIT_WORDS[ones] if ones or not tens else ""))
