"""Who is asking (C7): login by 工号 and password, roles, masking and the audit trail (R17).

Sessions are Starlette's signed cookie (itsdangerous); the cookie holds only the 工号. The role
is read from the hotline file on every request, so a changed file takes effect at once, and an
account whose 工号 left the file can no longer log in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from callcenter.db.models.web import AuditEntry, WebUser
from callcenter.hotline import Hotline
from callcenter.web.passwords import verify_password

Role = Literal["agent", "supervisor"]
SESSION_KEY = "user_id"


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
    user_id = request.session.get(SESSION_KEY)
    user = user_from_hotline(hotline_of(request), user_id) if isinstance(user_id, str) else None
    if user is None:
        raise NotAuthenticated()
    return user


def require_supervisor(user: Annotated[User, Depends(current_user)]) -> User:
    if not user.is_supervisor:
        raise HTTPException(status_code=403, detail="supervisors only")
    return user


# For route signatures: ``user: CurrentUser`` / ``user: Supervisor``.
CurrentUser = Annotated[User, Depends(current_user)]
Supervisor = Annotated[User, Depends(require_supervisor)]


def check_login(session: Session, hotline: Hotline, user_id: str, password: str) -> User | None:
    user = user_from_hotline(hotline, user_id.strip())
    account = session.get(WebUser, user_id.strip()) if user else None
    if user is None or account is None or account.disabled:
        return None
    return user if verify_password(password, account.password_hash) else None


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
