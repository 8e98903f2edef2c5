"""R4: a name the caller gives in Latin letters (我是 Linda, 你可以叫我 Kevin, I am Mr Nair, 我是
Kevin Tan): owners and tenants who speak English give an English name, and the recogniser writes
English words in Latin letters. The ticket writes the name as the caller said it, with a title the
caller said (Mr Nair). A Chinese name or surname the caller also gives (我叫 李 凯文 就是 Kevin, 中文
姓 梁) is the one the ticket keeps: name.py reads the Latin one only when there is none."""

from __future__ import annotations

import re

# What introduces the caller's own name, in Chinese or in English.
_INTRO = (r"(?:我\s?是|我\s?叫|叫\s?我|名字\s?(?:是|叫)|"
          r"\b[Ii]\s?am|\b[Ii]'m|\b[Mm]y\s+name\s+is|\b[Tt]his\s+is|\b[Cc]all\s+me)")
# A title said with the name (Mr Nair, Ms Lee), and one to three capitalised words.
_LATIN_TITLE = r"(?:Mr|Mrs|Ms|Miss|Dr)\.?"
_LATIN_NAME = re.compile(rf"{_INTRO}\s*(?P<n>(?:{_LATIN_TITLE}\s+)?[A-Z][a-z]+(?:\s+[A-Z][a-z]+){{0,2}})"
                         r"(?![A-Za-z])(?P<after>\s*\S{0,2})")
# Capitalised English words that are no name (I am Sorry, 我是 Hello …).
_NOT_NAMES = frozenset({"Hello", "Hi", "Hey", "Sorry", "Yes", "No", "Ok", "Okay", "The", "From", "Not",
                        "Very", "Here", "Calling", "Just", "Thank", "Thanks", "Please", "Good", "Fine"})
# After the words, 的 or a firm's word makes them a firm or a place (我是 Apple 公司的, Hilton 酒店).
_FIRM_AFTER = re.compile(r"的|公司|酒店|集团|银行|大厦|中心|店|小区|花园")


def latin_name(caller_turns: list[str]) -> str | None:
    """The Latin name the caller introduces themselves with, as said (spaced words of each turn)."""
    for text in caller_turns:
        for match in _LATIN_NAME.finditer(text):
            words = [w for w in match.group("n").split() if w not in _NOT_NAMES]
            if not words or re.fullmatch(_LATIN_TITLE, words[-1]) \
                    or _FIRM_AFTER.match(match.group("after").strip()):
                continue
            if words != match.group("n").split()[:len(words)]:
                continue  # a word that is no name inside the name
            return " ".join(w.rstrip(".") if re.fullmatch(_LATIN_TITLE, w) else w for w in words)
    return None
