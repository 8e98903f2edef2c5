"""Who is asking (C7): login by 工号 and password, roles, masking and the audit trail (R17).

Sessions live on the server (``sessions.py``): the signed cookie holds a random token whose
row is checked on every request, so logout, a password change or reset and a disabled account
end it at once. The role is read from the hotline file on every request, so a changed file takes
effect at once, and an account whose 工号 left the file can no longer log in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from callcenter.db.models.web import AuditEntry, WebUser
from callcenter.db.session import unit_of_work
from callcenter.hotline import Hotline
from callcenter.web.sessions import session_user

Role = Literal["agent", "supervisor"]
SESSION_KEY = "sid"  # the session token in the signed cookie
USER_KEY = "uid"  # the 工号 beside it, for limits taken before the database is asked (limits.py)


@dataclass(frozen=True)
class User:
    id: str
    name: str
    role: Role

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"

    @property
    def own_agent_id(self) -> str | None:
        """The agent whose figures this user may see; None = everyone's (supervisors)."""
        return None if self.is_supervisor else self.id


class NotAuthenticated(Exception):
    """Raised by ``current_user``; pages redirect to the login, the API answers 401."""


def hotline_of(request: Request) -> Hotline:
    return request.app.state.ctx.settings.hotline  # type: ignore[no-any-return]


def user_from_hotline(hotline: Hotline, user_id: str) -> User | None:
    agent = hotline.agent(user_id)
    return None if agent is None else User(agent.id, agent.name, agent.role)


def current_user(request: Request) -> User:
    """The user of a live session (ended sessions, disabled accounts and 工号 gone from the
    hotline file are refused on every request, not only at login)."""
    token = request.session.get(SESSION_KEY)
    user = None
    if isinstance(token, str):
        ctx = request.app.state.ctx
        hotline = hotline_of(request)
        with unit_of_work(ctx.sessions) as session:
            user_id = session_user(session, token, ctx.clock.now(), hotline.web)
        user = user_from_hotline(hotline, user_id) if user_id else None
    if user is None:
        request.session.pop(SESSION_KEY, None)
        request.session.pop(USER_KEY, None)
        raise NotAuthenticated()
    request.state.user = user
    return user


def require_supervisor(user: Annotated[User, Depends(current_user)]) -> User:
    if not user.is_supervisor:
        raise HTTPException(status_code=403, detail="supervisors only")
    return user


# For route signatures: ``user: CurrentUser`` / ``user: Supervisor``.
CurrentUser = Annotated[User, Depends(current_user)]
Supervisor = Annotated[User, Depends(require_supervisor)]


def login_candidate(session: Session, hotline: Hotline, user_id: str) -> tuple[User | None, str | None]:
    """The user and stored hash behind a typed 工号; (None, None) for unknown or disabled ones."""
    user = user_from_hotline(hotline, user_id.strip())
    account = session.get(WebUser, user_id.strip()) if user else None
    if user is None or account is None or account.disabled:
        return None, None
    return user, account.password_hash


def mask_phone(number: str | None) -> str | None:
    """R17: 13800138000 -> 138****8000; short numbers keep only their last two digits."""
    if not number:
        return number
    if len(number) >= 7:
        return f"{number[:3]}****{number[-4:]}"
    return "*" * max(len(number) - 2, 1) + number[-2:]


def shown_phone(user: User, number: str | None) -> str | None:
    """Agents see masked numbers; supervisors see them whole (every view of a call is audited)."""
    return number if user.is_supervisor else mask_phone(number)


def audit(session: Session, user: User, action: str, detail: str = "") -> None:
    session.add(AuditEntry(user_id=user.id, role=user.role, action=action, detail=detail[:2000]))


def audit_anonymous(session: Session, typed_id: str, action: str, detail: str) -> None:
    """An event without a logged-in user (a failed login): the 工号 as typed, cut to fit."""
    session.add(AuditEntry(user_id=typed_id[:16], role="-", action=action, detail=detail[:2000]))
