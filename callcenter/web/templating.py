"""Jinja2 pages with the user, the language and the words filled in: gettext through Jinja2's
i18n extension (``_('key')``, ``ngettext``) from the catalogues of ``callcenter.words``, times
in the hotline's zone, durations and enums as words."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.requests import Request
from starlette.responses import Response

from callcenter.web.csrf import csrf_token
from callcenter.web.i18n import lang_of
from callcenter.words.catalogue import translations
from callcenter.words.enums import word
from callcenter.words.formats import local_time, number_text, seconds_text, talk_text

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))


@pass_context
def _gettext(context: Context, key: str) -> str:
    return translations(context["lang"]).gettext(key)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return translations(context["lang"]).ngettext(singular, plural, n)


@pass_context
def _enum(context: Context, kind: str, value: object) -> str:
    return word(context["lang"], kind, value)


@pass_context
def _time(context: Context, at: dt.datetime | float | None, pattern: str = "datetime") -> str:
    return local_time(at, context["zone"], context["lang"], pattern)


@pass_context
def _seconds(context: Context, value: float | None, empty: str = "") -> str:
    return seconds_text(value, empty, context["lang"])  # ring, wait, hold: 4.8


@pass_context
def _talk(context: Context, value: float | None, empty: str = "") -> str:
    return talk_text(value, context["lang"], empty)  # a conversation: 2分12秒 / 2 min 12 s


@pass_context
def _number(context: Context, value: float | None, empty: str = "–") -> str:
    return number_text(value, context["lang"], empty)


@pass_context
def _queue_name(context: Context, queue: str | None) -> str:
    """A queue as the department people know (客服中心), its id only when no department has it."""
    dept = context["hotline"].department_of_queue(queue) if queue else None
    return dept.name if dept else (queue or "")


@pass_context
def _agent_name(context: Context, agent_id: str | None, interface: str | None = None) -> str:
    agent = context["hotline"].agent(agent_id) if agent_id else None
    return f"{agent_id} {agent.name}" if agent else (agent_id or interface or "")


TEMPLATES.env.add_extension("jinja2.ext.i18n")
TEMPLATES.env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
TEMPLATES.env.filters.update(seconds=_seconds, talk=_talk, local_time=_time, number=_number)
TEMPLATES.env.globals.update(enum=_enum, queue_name=_queue_name, agent_name=_agent_name)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    lang = lang_of(request)
    ctx = request.app.state.ctx
    hotline = ctx.settings.hotline
    context.setdefault("user", getattr(request.state, "user", None))
    context.update(lang=lang, centre=hotline.centre.name, hotline=hotline, zone=hotline.centre.timezone,
                   csrf_token=csrf_token(request))
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status_code)
