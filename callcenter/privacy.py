"""Personal data kept out of sight where a role or a log does not need it (R17).

- Transcripts shown to agents mask phone numbers exactly like the ticket beside them
  (13800138000 -> 138****8000), whether the recogniser wrote the digits or spoke them
  (幺 三 八 零 零 …).
- Supervisor alerts can carry the caller's address (an emergency's summary): other roles get
  the alert's head only.
- The service log masks every phone-number-like run of digits, unless CALLCENTER_LOG_PII=1
  (a debugging switch: the log then holds callers' numbers).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from callcenter.phones import mask

LOG_PII_SETTING = "CALLCENTER_LOG_PII"
_SPOKEN = "零〇一幺二两三四五六七八九"
_DIGIT_OF = {c: str(d) for d,
             chars in enumerate(("零〇", "一幺", "二两", "三", "四", "五", "六", "七", "八", "九"))
             for c in chars}
# A run of digits, written or spoken (not the two mixed: "501 一 二 零 二" is a room and a
# room), that may be broken by spaces or dashes as people say and write numbers.
_RUN = re.compile(rf"[{_SPOKEN}](?:[\s\-]*[{_SPOKEN}])*|[0-9](?:[\s\-]*[0-9])*")
# In log lines: 7 to 15 digits (a + allowed) that are not part of a longer token such as an
# Asterisk Uniqueid (1733480000.123), a time or a date.
_LOG_NUMBER = re.compile(r"(?<![\w.:/-])\+?\d{7,15}(?![\w.:])")
PHONE_DIGITS = 7  # shorter runs are room numbers, times and amounts


def mask_text(text: str) -> str:
    """Phone numbers in free text masked like mask() masks a ticket's number."""
    def one(match: re.Match[str]) -> str:
        digits = "".join(_DIGIT_OF.get(c, c) for c in match.group(0) if c.isdigit() or c in _DIGIT_OF)
        return (mask(digits) or "") if len(digits) >= PHONE_DIGITS else match.group(0)
    return _RUN.sub(one, text)


def masked_turns(turns: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """A transcript's turns with the numbers in their text masked (for roles that see masked numbers)."""
    if turns is None:
        return None
    return [{**t, "text": mask_text(t["text"])} if isinstance(t.get("text"), str) else t for t in turns]


def alert_for_role(alert: dict[str, Any], sees_personal_data: bool) -> dict[str, Any]:
    """A supervisor alert as a role may see it: whole, or its head (``紧急工单 #12（燃气）``) without
    the summary after the colon, which can hold the caller's address and number."""
    if sees_personal_data:
        return alert
    text = str(alert.get("text") or "")
    head = re.split(r"[：:]", text, maxsplit=1)[0]
    masked = {**alert, "text": mask_text(head)}
    if alert.get("words"):  # a live alert's words heard: numbers masked, as on the desk (issue 17)
        masked["words"] = mask_text(str(alert["words"]))
    return masked


class MaskingFormatter(logging.Formatter):
    """Formats as usual, then masks phone numbers in the whole line (tracebacks included)."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_log_line(super().format(record))


def mask_log_line(text: str) -> str:
    """Phone numbers in a log line masked; Uniqueids, times and dates left alone."""
    return _LOG_NUMBER.sub(lambda m: mask(m.group(0)) or "", text)


def log_pii(env: Mapping[str, str]) -> bool:
    return env.get(LOG_PII_SETTING, "") == "1"


def mask_log_handlers(env: Mapping[str, str], root: logging.Logger | None = None) -> bool:
    """Give every handler of the root logger a masking formatter (same layout); False, and
    nothing changed, when CALLCENTER_LOG_PII=1 asks for whole numbers."""
    if log_pii(env):
        return False
    for handler in (root or logging.getLogger()).handlers:
        current = handler.formatter
        handler.setFormatter(MaskingFormatter(current._fmt if current else None,
                                              current.datefmt if current else None))
    return True
