"""extensions.conf read the way Asterisk 20's pbx_config loads it: one ``Priority`` per dialplan
step, as AMI ``ShowDialPlan`` lists them (``callcenter doctor`` compares the two; pbxsim answers
ShowDialPlan from it)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE = re.compile(r"^\s*(exten|same)\s*=>?\s*(.*)$", re.IGNORECASE)
_PRIORITY = re.compile(r"^(\d+|n|hint)(?:\((\w+)\))?$")


@dataclass(frozen=True, order=True)
class Priority:
    """One step: ``exten => EXTENSION,PRIORITY(LABEL),APPLICATION(DATA)``."""

    context: str
    extension: str
    priority: int
    application: str
    data: str
    label: str = ""


def _strip_comment(line: str) -> str:
    """Up to the first ``;`` not escaped as ``\\;`` (the escape's backslash goes, as in config.c)."""
    out: list[str] = []
    index = 0
    while index < len(line):
        char = line[index]
        if char == "\\" and line[index + 1:index + 2] == ";":
            out.append(";")
            index += 2
            continue
        if char == ";":
            break
        out.append(char)
        index += 1
    return "".join(out).strip()


def _application(text: str) -> tuple[str, str]:
    head, paren, rest = text.partition("(")
    if not paren:
        return head.strip(), ""
    close = rest.rfind(")")
    return head.strip(), rest[:close] if close >= 0 else rest


def parse(text: str) -> list[Priority]:
    """Every priority of every context (``[general]``/``[globals]`` hold no extensions)."""
    out: list[Priority] = []
    context = ""
    extension, last = "", 0
    for raw in text.splitlines():
        line = _strip_comment(raw)
        if not line:
            continue
        if line.startswith("[") and "]" in line:
            context, extension, last = line[1:line.index("]")].strip(), "", 0
            continue
        match = _LINE.match(line)
        if match is None or not context:
            continue
        kind, rest = match.group(1).lower(), match.group(2)
        if kind == "exten":
            extension, _, rest = rest.partition(",")
            extension = extension.strip()
            last = 0
        priority_text, _, app = rest.partition(",")
        found = _PRIORITY.match(priority_text.strip())
        if found is None or found.group(1) == "hint":
            continue
        number = last + 1 if found.group(1) == "n" else int(found.group(1))
        last = number
        application, data = _application(app.strip())
        out.append(Priority(context, extension, number, application, data, found.group(2) or ""))
    return out


def by_context(priorities: list[Priority]) -> dict[str, list[Priority]]:
    out: dict[str, list[Priority]] = {}
    for step in priorities:
        out.setdefault(step.context, []).append(step)
    return out
