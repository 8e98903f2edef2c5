"""The live wallboard: a page, its server-sent events, and a JSON snapshot (R1, R2 live)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sse_starlette.sse import EventSourceResponse

from callcenter.privacy import alert_for_role, mask_text
from callcenter.web.auth import CurrentUser, User, mask_phone
from callcenter.web.i18n import lang_of
from callcenter.web.listen_in import listen_in_words
from callcenter.web.live import CLOSE, LiveBoard
from callcenter.web.streams import while_signed_in
from callcenter.web.templating import render
from callcenter.words.catalogue import gettext
from callcenter.words.enums import ENUMS, word

router = APIRouter()
PING_SECONDS = 15


def for_user(message: dict[str, Any], user: User) -> dict[str, Any]:
    """R17: agents see callers' numbers masked on the wallboard too, and alerts without the
    caller's details."""
    if user.is_supervisor:
        return message
    out = dict(message)
    if "call" in out:
        out["call"] = _masked_call(out["call"])
    if "calls" in out:
        out["calls"] = [_masked_call(c) for c in out["calls"]]
    if out.get("type") == "transcript":  # live words: numbers said masked like the ticket's (R17)
        out["text"] = mask_text(str(out.get("text") or ""))
    # An emergency alert's summary can name the caller's address: its head only (R17).
    if "alert" in out:
        out["alert"] = alert_for_role(out["alert"], sees_personal_data=False)
    if "alerts" in out:
        out["alerts"] = [alert_for_role(a, sees_personal_data=False) for a in out["alerts"]]
    return out


def _masked_call(call: dict[str, Any]) -> dict[str, Any]:
    words = {side: mask_text(text) for side, text in (call.get("words") or {}).items()}
    return {**call, "caller": mask_phone(call.get("caller")), "words": words}


def live_of(request: Request) -> LiveBoard:
    return request.app.state.live  # type: ignore[no-any-return]


KPIS = ("offered", "answered", "abandoned", "within_rule_pct", "service_level_excl", "answered_15s_pct",
        "late_no_apology", "avg_ring")
TILE_WORDS = ("ring", "more", "live", "lost", "queue_waiting", "longest", "free", "busy", "seconds",
              "words_caller", "words_agent", "after_call", "no_calls")


def words(lang: str) -> dict[str, Any]:
    """What the wallboard's script writes, from the catalogues (``%(num)s`` filled in there)."""
    out: dict[str, Any] = {key: gettext(lang, f"wallboard.{key}") for key in TILE_WORDS}
    out["paused"] = word(lang, "agent_state", "paused")
    out["call_state"] = {s: word(lang, "call_state", s) for s in ENUMS["call_state"]}
    out["agent_state"] = {s: word(lang, "agent_state", s) for s in ENUMS["agent_state"]}
    out["kpi"] = {k: gettext(lang, f"wallboard.kpi.{k}") for k in KPIS}
    out["listen_in"] = listen_in_words(lang)  # supervisors' buttons (static/listen_in.js)
    return out


@router.get("/wallboard")
def wallboard_page(request: Request, user: CurrentUser) -> Response:
    rules = request.app.state.ctx.settings.hotline.rules
    return render(request, "wallboard.html", user=user, ring_cycle=rules.ring_cycle_seconds,
                  rule_rings=rules.rule_rings, words=words(lang_of(request)))


@router.get("/api/wallboard")
async def wallboard_snapshot(request: Request, user: CurrentUser) -> dict[str, Any]:
    return for_user(await live_of(request).snapshot(), user)


@router.get("/wallboard/events")
async def wallboard_events(request: Request, user: CurrentUser) -> Response:
    live = live_of(request)
    queue = live.connect()  # before the snapshot, so no change falls between the two

    async def stream() -> AsyncIterator[dict[str, str]]:
        try:
            yield {"event": "snapshot", "data": json.dumps(for_user(await live.snapshot(), user))}
            while True:
                message = await queue.get()
                if message.get("type") == CLOSE["type"]:
                    return
                yield {"event": message["type"], "data": json.dumps(for_user(message, user))}
        finally:
            live.disconnect(queue)

    return EventSourceResponse(while_signed_in(request, user.id, stream()), ping=PING_SECONDS,
                               headers={"Cache-Control": "no-store"})
