"""Quality checks on the agent's side of a call (R2, R3, R16): the standard greeting naming the
centre, the apology of a late answer, forbidden phrases (with where they were said) and the
closing courtesy."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from callcenter.tickets.forbidden import PhraseHit, forbidden_hits
from callcenter.tickets.transcript import Transcript

_CENTRE = re.compile(r"物业|服务中心|客服中心|客服")
_GREETING = re.compile(r"您好|你好")
# R3: the agent identifies themself (工号三一二 / 三一二号为您服务 / 我是小王).
_SELF_ID = re.compile(r"工号|号为您服务|号很高兴|我是[^|]{1,4}(为您|很高兴)")
_APOLOGY = re.compile(r"(对不起|抱歉|不好意思)[^|]{0,6}(久等|等久|等了)")
_CLOSING = re.compile(r"再见|拜拜")


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
