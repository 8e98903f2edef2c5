"""Chinese first, English second: the ``?lang=en`` switch (kept in the session). The words
themselves live in the catalogues of ``callcenter.words``."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

from callcenter.words.catalogue import LANGS, gettext


def lang_of(request: Request) -> str:
    """``?lang=`` wins and is remembered in the session; Chinese by default."""
    asked = request.query_params.get("lang")
    has_session = "session" in request.scope  # not for errors answered before the session is read
    if asked in LANGS:
        if has_session:
            request.session["lang"] = asked
        return asked
    remembered = request.session.get("lang") if has_session else None
    return remembered if remembered in LANGS else "zh"


def translator(lang: str) -> Callable[..., str]:
    def t(key: str, **values: object) -> str:
        return gettext(lang, key, **values)

    return t
