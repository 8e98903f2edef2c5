"""Errors answer in words: an HTML page (Chinese first, English with ?lang=en, a way back) for
pages, RFC 9457 problem details for the APIs, never a traceback."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from callcenter.words.catalogue import gettext

log = logging.getLogger(__name__)

KNOWN_STATUSES = (400, 401, 403, 404, 405, 413, 422, 429, 500, 503)  # error.<status> in the catalogues


def wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/desk/api/")) or path.endswith("/events"):
        return True
    return "text/html" not in request.headers.get("accept", "text/html")


def title_of(status: int, lang: str) -> str:
    known = status if status in KNOWN_STATUSES else (500 if status >= 500 else 400)
    return gettext(lang, f"error.{known}")


def detail_words(detail: str, lang: str) -> str:
    """A known reason in the reader's language (``error.detail.<reason>``), any other as given."""
    key = f"error.detail.{detail}"
    words = gettext(lang, key)
    return detail if words == key else words


def problem(request: Request, status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    from callcenter.web.i18n import lang_of

    lang = lang_of(request)
    if wants_json(request):
        body = {"type": "about:blank", "title": title_of(status, "en"), "status": status, "detail": detail,
                "instance": request.url.path[:200]}
        return JSONResponse(body, status_code=status, headers=headers, media_type="application/problem+json")
    from callcenter.web.templating import render

    response = render(request, "error.html", status_code=status, status=status, title=title_of(status, lang),
                      detail=detail_words(detail, lang))
    if headers:
        response.headers.update(headers)
    return response


def _detail(exc: StarletteHTTPException) -> str:
    return exc.detail if isinstance(exc.detail, str) else str(exc.detail)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return problem(request, exc.status_code, _detail(exc), dict(exc.headers or {}))


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc if part not in ("body", "query", "path", "form"))


def _words(error: dict[str, Any]) -> str:
    field = _field(tuple(error.get("loc", ())))
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{field}: {message}" if field else message


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    # Name the field and the rule; never echo the value (it may be huge or personal).
    words = "; ".join(_words(e) for e in exc.errors()[:5])
    return problem(request, 422, words)


async def _unexpected(request: Request, exc: Exception) -> Response:
    # Starlette re-raises after this answer, so the server's log gets the traceback once.
    log.error("web: %s %s failed: %s", request.method, request.url.path[:200], type(exc).__name__)
    return problem(request, 500, "internal error")


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(Exception, _unexpected)
