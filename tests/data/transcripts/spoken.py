"""Spoken forms for the labeled transcripts: Chinese numerals, addresses, phone numbers, and the
call being assembled."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

DIGIT = "零一二三四五六七八九"


def positional(n: int) -> str:
    """12 → 十二, 33 → 三十三, 501 → 五百零一, 1101 → 一千一百零一."""
    if n < 10:
        return DIGIT[n]
    if n < 20:
        return "十" + (DIGIT[n % 10] if n % 10 else "")
    if n < 100:
        return DIGIT[n // 10] + "十" + (DIGIT[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if rest == 0 else ("零" + DIGIT[rest] if rest < 10 else (
            "一十" + (DIGIT[rest % 10] if rest % 10 else "") if rest < 20 else positional(rest)))
        return DIGIT[n // 100] + "百" + tail
    rest = n % 1000
    tail = "" if rest == 0 else ("零" + positional(rest) if rest < 100 else positional(rest))
    return DIGIT[n // 1000] + "千" + tail


def spelled(digits: str, rng: random.Random, yao: float = 0.0) -> list[str]:
    return ["幺" if d == "1" and rng.random() < yao else DIGIT[int(d)] for d in digits]


@dataclass
class Call:
    id: str
    turns: list[tuple[str, str]] = field(default_factory=list)
    labels: dict[str, object] = field(default_factory=dict)
    protected: set[str] = field(default_factory=set)

    def say(self, speaker: str, *parts: str) -> None:
        text = " ".join(" ".join(p for p in parts if p).split())
        if not text:
            return
        if self.turns and self.turns[-1][0] == speaker:  # one speaker's consecutive lines are one turn
            self.turns[-1] = (speaker, f"{self.turns[-1][1]} {text}")
        else:
            self.turns.append((speaker, text))


@dataclass
class Address:
    label: str
    building: str  # spoken words
    rest: str  # unit + room, spoken
    room_only: str
    building_label: str
    room_label: str


def make_address(rng: random.Random, heldout: bool) -> Address:
    kind = rng.choice(["栋", "号楼", "幢", "座", "栋", "号楼"])
    floor, flat = rng.randint(1, 32), rng.randint(1, 4)
    room = f"{floor}{flat:02d}"
    if kind == "座":
        letter = rng.choice("ABCDEFGH")
        building, label_b = f"{letter} 座", f"{letter}座"
    else:
        n = rng.randint(1, 45)
        words = positional(n) if n < 10 or rng.random() < 0.8 else " ".join(spelled(str(n), rng, yao=0.7))
        homophone = {"栋": "动", "幢": "撞"}.get(kind) if rng.random() < (0.2 if heldout else 0.12) else None
        kind_words = rng.choice(["号 楼", "号楼"]) if kind == "号楼" else (homophone or kind)
        building = f"{words} {kind_words}"
        label_b = f"{n}{kind}"
    unit = rng.randint(1, 6) if kind != "座" and rng.random() < 0.55 else None
    unit_words = ""
    if unit:
        unit_words = ("两" if unit == 2 and rng.random() < 0.5 else DIGIT[unit]) + " " + (
            "单园" if rng.random() < 0.1 else "单元")
    as_number = int(room) < 1000 and rng.random() < 0.3
    room_words = positional(int(room)) if as_number else " ".join(spelled(room, rng, yao=0.3))
    label = f"{label_b}{f'{unit}单元' if unit else ''}{room}"
    return Address(label, building, f"{unit_words} {room_words}".strip(), room_words, label_b, room)


def make_phone(rng: random.Random) -> str:
    return "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))


def say_phone(number: str, rng: random.Random) -> str:
    words = spelled(number, rng, yao=0.15)
    if rng.random() < 0.3:  # said in groups 3-4-4
        return " ".join(["".join(words[:3]), "".join(words[3:7]), "".join(words[7:])])
    return " ".join(words)
