"""Quality checks on the agent's side of a call (R2, R3, R16): the standard greeting naming the
centre, the apology of a late answer, forbidden phrases (with where they were said) and the
closing courtesy."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from callcenter.tickets.transcript import Transcript, Turn

# R16's forbidden phrases: normal form → the spoken variants (joined words) that count as it.
FORBIDDEN: dict[str, re.Pattern[str]] = {
    "喂哪位": re.compile(r"^喂[，,]?(您|你)?哪位|^喂[，,]?谁啊"),
    "你找谁": re.compile(r"你找谁|您找谁|你要找谁|找谁啊"),
    "你是谁": re.compile(r"(你是谁|您是谁)(?!家)|你谁啊"),
    # 不知道您方便吗 / 不知道您是哪一户 is a polite question, not "I don't know".
    "不知道": re.compile(r"不太?知道(?!(您|你)?[^|，。]{0,6}?(是否|方便|方不方便|能不能|有没有|是不是|"
                         r"可不可以|什么时候|是哪|住哪|贵姓|怎么称呼))"),
    "不清楚": re.compile(r"(?<![听看])不太?清楚"),
    "我们不管": re.compile(r"我们不管|我们不负责管|我们管不了|这个我们不管|不归我们管"),
    "跟我们没关系": re.compile(r"(跟|和|与)我们(没|没有)关系|跟我们无关|关我们什么事"),
    "没办法解决": re.compile(r"没办法解决|没法解决|解决不了"),
    "随便": re.compile(r"随便"),
    "这个问题我不会处理": re.compile(r"这个问题我不会处理|这个我不会处理|我不会处理"),
    "我现在很忙": re.compile(r"我现在很忙|我很忙|下次再打"),
}
# R16's own wording where it is longer than the normal form above: a label may name either.
_STANDARD_WORDING = {"喂哪位": "喂，哪位", "我现在很忙": "我现在很忙，您下次再打电话好吗"}
_NOT_WORDS = re.compile(r"\W")  # spaces and punctuation of either width
_CENTRE = re.compile(r"物业|服务中心|客服中心|客服")
_GREETING = re.compile(r"您好|你好")
# R3: the agent identifies themself (工号三一二 / 三一二号为您服务 / 我是小王).
_SELF_ID = re.compile(r"工号|号为您服务|号很高兴|我是[^|]{1,4}(为您|很高兴)")
_APOLOGY = re.compile(r"(对不起|抱歉|不好意思)[^|]{0,6}(久等|等久|等了)")
_CLOSING = re.compile(r"再见|拜拜")


@dataclass(frozen=True)
class PhraseHit:
    phrase: str
    at_seconds: float | None


@dataclass(frozen=True)
class QualityReport:
    greeting_ok: bool
    apology_given: bool
    closing_ok: bool
    forbidden: list[PhraseHit] = field(default_factory=list)
    identified: bool = True

    @property
    def forbidden_phrases(self) -> list[str]:
        seen: list[str] = []
        for hit in self.forbidden:
            if hit.phrase not in seen:
                seen.append(hit.phrase)
        return seen


def _at(turn: Turn, offset: int) -> float | None:
    """Where in the recording: interpolated inside the turn when it carries start/end times."""
    if turn.start is None:
        return None
    if turn.end is None or not turn.joined:
        return turn.start
    return round(turn.start + (turn.end - turn.start) * offset / len(turn.joined), 2)


def forbidden_hits(agent_turns: list[Turn]) -> list[PhraseHit]:
    hits: list[tuple[float, int, PhraseHit]] = []
    for order, turn in enumerate(agent_turns):
        for phrase, pattern in FORBIDDEN.items():
            for match in pattern.finditer(turn.joined):
                hits.append((order, match.start(), PhraseHit(phrase, _at(turn, match.start()))))
    return [hit for _, _, hit in sorted(hits, key=lambda h: (h[0], h[1]))]


def phrase_name(label: str) -> str:
    """The normal form of a forbidden phrase as a label names it: R16's wording (喂，哪位 / 我现在很忙，
    您下次再打电话好吗), with or without its punctuation and spaces, or the normal form itself."""
    bare = _NOT_WORDS.sub("", label)
    for name in FORBIDDEN:
        if bare in (name, _NOT_WORDS.sub("", _STANDARD_WORDING.get(name, name))):
            return name
    return bare


def check(transcript: Transcript, centre_name: str | None = None) -> QualityReport:
    agent = transcript.side("agent")
    first = agent[0].joined if agent else ""
    names_centre = bool(_CENTRE.search(first)) or bool(centre_name and centre_name in first)
    return QualityReport(
        # R3: greet and name the centre; never open with 喂.
        greeting_ok=bool(_GREETING.search(first)) and names_centre and not first.startswith("喂"),
        apology_given=bool(_APOLOGY.search(first)),
        closing_ok=bool(agent) and bool(_CLOSING.search(agent[-1].joined)),
        forbidden=forbidden_hits(agent),
        identified=bool(_SELF_ID.search(first)),
    )
