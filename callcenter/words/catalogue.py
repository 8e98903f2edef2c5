"""The gettext catalogues: ``messages.po`` per language, compiled in memory when first used, so a
translator edits a standard ``.po`` file and nothing binary is kept or built. Message ids are
stable keys (``no_calls``, ``hangup_first.caller``): a key shown raw on a page means a missing
translation, which the tests look for."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGS = ("zh", "en")  # what ?lang= and --lang accept; Chinese first
LOCALES = {"zh": "zh_CN", "en": "en"}
LOCALE_DIR = Path(__file__).with_name("locale")


def locale_of(lang: str) -> str:
    return LOCALES.get(lang, "zh_CN")


def po_path(lang: str) -> Path:
    return LOCALE_DIR / locale_of(lang) / "LC_MESSAGES" / "messages.po"


@cache
def translations(lang: str) -> Translations:
    with po_path(lang).open("rb") as po:
        catalog = read_po(po, locale=locale_of(lang))
    mo = io.BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return Translations(fp=mo, domain="messages")


def gettext(lang: str, key: str, **values: object) -> str:
    """The words for ``key`` in ``lang``; ``%(name)s`` placeholders filled from ``values``."""
    text = translations(lang).gettext(key)
    return text % values if values else text


def both(key: str, **values: object) -> str:
    """The words for ``key`` in Chinese, then in English (``没有到期的回访 / no callbacks due now``):
    for the command line, which has no ?lang= to choose."""
    return f"{gettext('zh', key, **values)} / {gettext('en', key, **values)}"


def ngettext(lang: str, singular: str, plural: str, n: int, **values: object) -> str:
    text = translations(lang).ngettext(singular, plural, n)
    return text % {"num": n, **values}


def msgids() -> set[str]:
    """Every key of the catalogues (the Chinese one is the reference)."""
    with po_path("zh").open("rb") as po:
        return {str(m.id[0]) if isinstance(m.id, (tuple, list)) else str(m.id) for m in read_po(po) if m.id}
