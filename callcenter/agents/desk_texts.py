"""The desk page's words: the ``desk.*`` keys of the catalogues (``callcenter.words``), Chinese
first, English second (``?lang=en``); the kinds of matter (R5) are the ``category.*`` keys."""

from __future__ import annotations

from collections.abc import Callable

from callcenter.words.catalogue import gettext
from callcenter.words.enums import ENUMS, word


def desk_translator(lang: str) -> Callable[..., str]:
    def d(key: str, **values: object) -> str:
        full = f"category.{key}" if key in ENUMS["category"] else f"desk.{key}"
        return gettext(lang, full, **values)

    return d


DESK_ENUMS = ("category", "ticket_status", "callback_reason", "desk_action", "agent_state")


def desk_words(lang: str) -> dict[str, dict[str, str]]:
    """The internal values the desk's script shows, as words (kind → value → words)."""
    return {kind: {value: word(lang, kind, value) for value in ENUMS[kind]} for kind in DESK_ENUMS}
