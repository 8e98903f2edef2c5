"""Phone numbers entering the system: one place that says what a dialable number is.

Every number that can reach Asterisk (a ticket's phone, a callback's number, click to call, the
hotline file's numbers, a caller ID that will be dialled back) goes through ``normalise``. What
comes out is ASCII digits only, of a plausible length, so it cannot carry an AMI header, a second
channel variable or a ``Dial()`` argument. Caller IDs are kept as Asterisk reported them in call
records; only when one is *dialled* (or compared with dialled numbers) is it normalised here.

The form kept is the one the trunk dials from China: a mobile as 11 digits (``13800138000``), a
landline with its area code and trunk prefix (``01012345678``), short service numbers as they are
(``95566``). ``+86``/``0086`` numbers come back in that national form. A number abroad
(``+44 20 …`` / ``0044 20 …``) becomes ``0044 20…`` (00 = China's international prefix) and only
when the hotline file allows it (``[phones] international = true``): a property hotline calls
back residents, and a number abroad is the classic toll-fraud target.
"""

from __future__ import annotations

import re
import unicodedata

from callcenter.errors import CallcenterError

COUNTRY_CODE = "86"
INTERNATIONAL_PREFIX = "00"
TRUNK_PREFIX = "0"
NATIONAL_DIGITS = (5, 12)  # 95566 … 0 + 3-digit area code + 8 digits
INTERNATIONAL_DIGITS = (7, 15)  # after the country code's own "+": E.164 allows 15 at most
MAX_INPUT = 40  # characters, formatting included: anything longer is not a phone number
_MOBILE = re.compile(r"1[3-9]\d{9}")
# What people write between digits: spaces, dashes, dots, brackets. Nothing else is dropped.
_FORMATTING = re.compile(r"[\s\-.()（）]")
_NO_NUMBER = frozenset({"", "unknown", "<unknown>", "anonymous", "restricted", "private", "unavailable"})


class PhoneError(CallcenterError, ValueError):
    """Not a number the centre can dial; the message says why, Chinese first."""


def normalise(raw: str | None, *, international: bool = False) -> str:
    """The dialable form of ``raw``, or PhoneError saying what is wrong with it."""
    if raw is None or not raw.strip():
        raise PhoneError("请填写电话号码 / a phone number is needed")
    if len(raw) > MAX_INPUT:
        raise PhoneError(f"电话号码过长（{len(raw)} 个字符）/ a phone number is at most "
                         f"{MAX_INPUT} characters")
    text = _FORMATTING.sub("", unicodedata.normalize("NFKC", raw))  # full-width ０-９ and ＋ too
    plus = text.startswith("+")
    digits = text[1:] if plus else text
    if not digits.isascii() or not digits.isdigit():
        raise PhoneError(f"电话号码只能包含数字：{_shown(raw)} / a phone number holds digits only "
                         "(an optional leading +, spaces and dashes)")
    if plus or digits.startswith(INTERNATIONAL_PREFIX):
        return _international(digits if plus else digits[len(INTERNATIONAL_PREFIX):], international, raw)
    return _national(digits, raw)


def dialable(raw: str | None, *, international: bool = False) -> str | None:
    """The normalised number, or None when there is none to dial (hidden caller ID, garbage)."""
    if raw is None or raw.strip().lower() in _NO_NUMBER:
        return None
    try:
        return normalise(raw, international=international)
    except PhoneError:
        return None


def caller_id(raw: str | None) -> str | None:
    """A caller ID as reported (digits, a leading + kept) for look-ups, None when hidden or when
    it is not a phone number at all (letters, line breaks: nothing to look up or call back)."""
    if raw is None or raw.strip().lower() in _NO_NUMBER or len(raw) > MAX_INPUT:
        return None
    text = _FORMATTING.sub("", unicodedata.normalize("NFKC", raw))
    digits = text.removeprefix("+")
    return text if digits.isascii() and digits.isdigit() else None


def variants(number: str) -> tuple[str, ...]:
    """The forms a trunk may report the same national number in, for matching caller IDs."""
    if number.startswith(INTERNATIONAL_PREFIX):
        return number, "+" + number[len(INTERNATIONAL_PREFIX):]
    national = number.removeprefix(TRUNK_PREFIX)
    return number, f"+{COUNTRY_CODE}{national}", f"{INTERNATIONAL_PREFIX}{COUNTRY_CODE}{national}"


def mask(number: str | None) -> str | None:
    """R17: 13800138000 -> 138****8000; short numbers keep only their last two digits."""
    if not number:
        return number
    if len(number) >= 7:
        return f"{number[:3]}****{number[-4:]}"
    return "*" * max(len(number) - 2, 1) + number[-2:]


def _national(digits: str, raw: str) -> str:
    low, high = NATIONAL_DIGITS
    if not low <= len(digits) <= high:
        raise PhoneError(f"电话号码位数不对（{len(digits)} 位）：{_shown(raw)} / a phone number here has "
                         f"{low} to {high} digits")
    return digits


def _international(digits: str, allowed: bool, raw: str) -> str:
    if digits.startswith(COUNTRY_CODE):
        national = digits[len(COUNTRY_CODE):]
        return _national(national if _MOBILE.fullmatch(national) else TRUNK_PREFIX + national, raw)
    if not allowed:
        raise PhoneError(f"不拨打境外号码：{_shown(raw)} / numbers abroad are not dialled "
                         "(the hotline file's [phones] international = false)")
    low, high = INTERNATIONAL_DIGITS
    if not low <= len(digits) <= high:
        raise PhoneError(f"境外号码位数不对（{len(digits)} 位）：{_shown(raw)} / an international number has "
                         f"{low} to {high} digits after the +")
    return INTERNATIONAL_PREFIX + digits


def _shown(raw: str) -> str:
    """The offending input, printable and short, for an error message (never a line break)."""
    visible = "".join(c if c.isprintable() else "�" for c in raw)
    return repr(visible[:24] + ("…" if len(visible) > 24 else ""))
