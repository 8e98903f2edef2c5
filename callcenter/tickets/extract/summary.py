"""A one-line summary for the ticket list: kind, emergency mark, address, and the caller's matter
in their own first words (greetings and self-introduction left out)."""

from __future__ import annotations

import re

from callcenter.tickets.transcript import Transcript

CATEGORY_ZH = {"repair": "报修", "complaint": "投诉", "inquiry": "咨询", "suggestion": "建议",
               "praise": "表扬",
               "billing": "缴费", "release": "放行", "other": "其他"}
_FILLER = re.compile(r"^(喂|你好|您好|嗯|哎|啊|是物业吗|那个|我想|我要|我是|我叫)+")
_INTRO = re.compile(r"我(叫|是|姓)[^，。|]{0,16}?(的|先生|女士)")
MAX_CHARS = 40


def matter(transcript: Transcript) -> str:
    for turn in transcript.side("caller"):
        text = _INTRO.sub("", turn.joined)
        text = _FILLER.sub("", text)
        if len(text) >= 6:
            return text[:MAX_CHARS] + ("…" if len(text) > MAX_CHARS else "")
    return ""


def summarize(transcript: Transcript, category: str, urgent: bool, address: str | None) -> str:
    head = f"[{CATEGORY_ZH.get(category, category)}]" + ("[紧急]" if urgent else "")
    parts = [head, address or "", matter(transcript)]
    return " ".join(p for p in parts if p)
