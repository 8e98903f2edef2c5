"""Jinja2 pages with the user, the language and the translator filled in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import Response

from callcenter.web.csrf import csrf_token
from callcenter.web.durations import minutes_text, seconds_text
from callcenter.web.i18n import lang_of, translator

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
TEMPLATES.env.filters["seconds"] = seconds_text  # ring, wait, hold: 4.8
TEMPLATES.env.filters["minutes"] = minutes_text  # talk: 2:12


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    lang = lang_of(request)
    ctx = request.app.state.ctx
    context.setdefault("user", getattr(request.state, "user", None))
    context.update(lang=lang, t=translator(lang), centre=ctx.settings.hotline.centre.name,
                   csrf_token=csrf_token(request))
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status_code)


