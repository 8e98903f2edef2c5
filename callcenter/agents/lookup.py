"""What the screen pop shows about a caller (R15): history from the tickets area (C5) and the
callbacks the centre still owes them (C6). Session passed in; nothing here commits."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.tickets.history import caller_history
from callcenter.words.catalogue import LANGS
from callcenter.words.formats import talk_text

PENDING_CALLBACK_STATUSES = ("pending", "running")


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def pending_callbacks(session: Session, caller: str) -> list[dict[str, Any]] | None:
    """Callbacks still owed to this caller, soonest first; None when the callbacks area's
    table is not part of this installation."""
    try:
        models = importlib.import_module("callcenter.db.models.callbacks")
    except ImportError:
        return None
    callback = models.Callback
    rows = session.scalars(
        select(callback).where(callback.caller == caller, callback.status.in_(PENDING_CALLBACK_STATUSES))
        .order_by(callback.due_at).limit(10)
    )
    return [{"id": r.id, "ticket_id": r.ticket_id, "reason": r.reason, "due_at": _plain(r.due_at),
             "owner": r.owner, "status": r.status} for r in rows]


def caller_card(session: Session, caller: str | None) -> dict[str, Any]:
    """Name, address, open tickets, last calls and pending callbacks of one caller number."""
    if not caller:
        return {"known": False, "name": None, "address": None, "open_tickets": [], "last_calls": [],
                "callbacks": []}
    history = caller_history(session, caller)
    card: dict[str, Any] = _plain(dataclasses.asdict(history))
    card.pop("caller", None)
    card["known"] = history.is_repeat or history.name is not None
    for call in card["last_calls"]:  # the desk shows it in the page's language, as the pages do
        call["talk_text"] = {lang: talk_text(call.get("talk_seconds"), lang) for lang in LANGS}
    card["callbacks"] = pending_callbacks(session, caller)
    return card
