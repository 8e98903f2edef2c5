"""Server-side sessions: a row per logged-in browser, checked on every request.

The signed cookie carries a random token; the table keeps only its SHA-256. A session ends when
its row is deleted: at logout, when the password is changed or reset, when the account is
disabled or leaves the hotline file, after ``[web] session_idle_minutes`` without a request and
``[web] session_max_hours`` after login, whatever the cookie says.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete
from sqlalchemy.orm import Session

from callcenter.db.models.web import WebSession, WebUser
from callcenter.hotline import WebSettings

# Writing last_seen_at on every request would make each page view a write; a minute is plenty
# for an idle timeout counted in tens of minutes.
TOUCH_EVERY = dt.timedelta(minutes=1)


def token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user_id: str, client: str, now: dt.datetime) -> str:
    """A new session for ``user_id``; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(WebSession(id=token_id(token), user_id=user_id, created_at=now, last_seen_at=now,
                           client=client[:64]))
    return token


def session_user(session: Session, token: str, now: dt.datetime, settings: WebSettings) -> str | None:
    """The 工号 of a live session, or None (and the row deleted) when it has ended."""
    row = session.get(WebSession, token_id(token))
    if row is None:
        return None
    expired = (now - row.created_at >= dt.timedelta(hours=settings.session_max_hours)
               or now - row.last_seen_at >= dt.timedelta(minutes=settings.session_idle_minutes))
    account = session.get(WebUser, row.user_id)
    if expired or account is None or account.disabled:
        session.delete(row)
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return row.user_id


def end_session(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.id == token_id(token)))


def end_sessions_of(session: Session, user_id: str) -> int:
    """End every session of a user (password changed or reset, account disabled)."""
    result = session.execute(delete(WebSession).where(WebSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)
