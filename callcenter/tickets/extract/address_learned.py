"""R4: the centre's own forms of address, learned from its labeled calls. Every estate says its flats
in its own words, which the shipped rules (``address``) do not know: buildings named 甲 and 乙
(甲2楼1门301), shops numbered in a building (A区2栋3号铺), a flat as its floor and side
(3幢1单元2楼右). The centre's agents write these addresses down every day, so its labeled calls
teach them.

Each labeled address becomes a form: its literal words with a slot for each number and for a
single letter (甲{n}楼{n}门{n}, {A}区{n}栋{n}号铺). A form is kept only when it has a literal word
and a slot (a number is what makes a place someone's own; 东门 is said in passing), and when, read
from that call's own caller turns, it gives the label back: a label the caller never said teaches
nothing. A form the shipped rules already read (they give the label back in most of the calls
that teach it: 11栋, B区, 5巷) teaches nothing either: their reading of a call stands, with what
they know of it (a place named in passing, a misdialled caller's 送到三巷, a rough 二十几楼),
which a form does not. On a new call the longest match of any form, its spoken numbers read as the rules read
them (幺 = 1, 两 = 2, rooms digit by digit, 十二), is the address in the label's form. It is used when
the rules find none, or when it completes theirs (2幢2单元 → 2幢2单元3楼右); otherwise the rules'
address stays.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from callcenter.tickets.extract.address import extract_address
from callcenter.tickets.extract.address_label import address_label
from callcenter.tickets.extract.dialect import side_text
from callcenter.tickets.extract.numerals import NUMERAL, NUMERAL_CHARS, numeral_value
from callcenter.tickets.transcript import Transcript

NUMBER, LETTER = "{n}", "{A}"
_LABEL_PARTS = re.compile(r"(?P<n>\d+)|(?P<a>(?<![A-Za-z])[A-Za-z](?![A-Za-z]))")
_SLOTS = re.compile(r"(\{n\}|\{A\})")
_GAP = r"(?:的|\|)?"  # a pause (the recogniser's turn break) or 的 before a number: 一单元的四零二
# The last number of a form is not one that goes on as another part of a place: B座 is no form of
# B座十五层, 裙楼{n} none of 裙楼一层幺幺五.
# Nor is a rough count (二十几楼, 三十多户) a number of a place.
_GOES_ON = rf"(?![{NUMERAL_CHARS}]|楼|层|单元|栋|幢|座|号|门|期|区|排|几|多)"
_LONGEST_NUMBER = 4  # a longer run is a phone number said straight after the flat


def form_of(label: str) -> str | None:
    """甲2楼1门301 → 甲{n}楼{n}门{n}; None without a literal word or without a slot."""
    form = _LABEL_PARTS.sub(lambda m: NUMBER if m.group("n") else LETTER, label)
    literal = _SLOTS.sub("", form)
    return form if literal.strip() and literal != form else None


@cache
def _pattern(form: str) -> re.Pattern[str]:
    parts = []
    pieces = [p for p in _SLOTS.split(form) if p]
    for index, part in enumerate(pieces):
        gap = _GAP if index else ""
        if part == NUMBER:
            last = _GOES_ON if index == len(pieces) - 1 else ""
            parts.append(rf"{gap}(?<![{NUMERAL_CHARS}])({NUMERAL}){last}")
        elif part == LETTER:
            parts.append(rf"{gap}(?<![A-Za-z])([A-Za-z])(?![A-Za-z])")
        else:
            parts.append(re.escape(part))
    return re.compile("".join(parts))


def _filled(form: str, match: re.Match[str]) -> str | None:
    """The form with each slot's spoken value, or None when a number is not one (or too long)."""
    values = iter(match.groups())
    out = []
    for part in (p for p in _SLOTS.split(form) if p):
        if part not in (NUMBER, LETTER):
            out.append(part)
            continue
        said = next(values)
        value = said.upper() if part == LETTER else numeral_value(said)
        if not value or len(value) > _LONGEST_NUMBER:
            return None
        out.append(value)
    return "".join(out)


def _read(forms: Iterable[str], text: str) -> str | None:
    """The longest match of any form in the text (the first said of equals), filled."""
    best: tuple[int, int, str] | None = None
    for form in forms:
        for match in _pattern(form).finditer(text):
            address = _filled(form, match)
            key = (match.end() - match.start(), -match.start())
            if address is not None and (best is None or key > best[:2]):
                best = (*key, address)
    return None if best is None else best[2]


def _completes(learned: str, rules: str) -> bool:
    """The learned address holds the rules' whole (A区2栋 in A区2栋3号铺; not 1栋 in 21栋, nor 50
    in 501)."""
    after = r"(?![0-9])" if rules[-1].isdigit() else ""
    return re.search(rf"(?<![0-9A-Za-z]){re.escape(rules)}{after}", learned) is not None


@dataclass(frozen=True)
class AddressForms:
    forms: tuple[str, ...] = ()

    @classmethod
    def learn(cls, calls: Sequence[Transcript]) -> AddressForms:
        """The forms of the calls' labeled addresses that their own callers said, and that the
        rules miss in more of those calls than they read."""
        missed: dict[str, int] = {}
        for call in calls:
            label = call.labels.get("address")
            form = form_of(label) if isinstance(label, str) else None
            if form is not None and _read([form], side_text(call, "caller")) == label:
                rules = extract_address(call)
                read = rules is not None and address_label(rules) == address_label(str(label))
                missed[form] = missed.get(form, 0) + (-1 if read else 1)
        return cls(tuple(form for form, count in missed.items() if count > 0))

    def __bool__(self) -> bool:
        return bool(self.forms)

    def read(self, transcript: Transcript) -> str | None:
        return _read(self.forms, side_text(transcript, "caller")) if self.forms else None

    def complete(self, transcript: Transcript, rules: str | None) -> str | None:
        """The address of the call: the learned one when the rules found none or it completes
        theirs, else the rules'."""
        learned = self.read(transcript)
        if learned is not None and (rules is None or _completes(learned, rules)):
            return learned
        return rules

    def as_json(self) -> list[str]:
        return list(self.forms)

    @classmethod
    def from_json(cls, data: object) -> AddressForms:
        if not isinstance(data, list) or not all(isinstance(f, str) for f in data):
            raise ValueError("address_forms must be a list of strings")
        return cls(tuple(data))
