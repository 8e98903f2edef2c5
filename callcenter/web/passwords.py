"""The accounts' passwords: initial ones, resets, new ones (hashes: ``callcenter.web.scrypt``).

Initial passwords: for each agent or supervisor of the hotline file without an account, the
password is ``CALLCENTER_WEB_PASSWORD_<工号>`` when that variable is set, otherwise a random one
that is written once to ``<var>/web-initial-passwords.txt`` (mode 0600) and printed by
``callcenter web passwords``. Nothing else ever shows a password; only the scrypt hash is stored.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.orm import Session

from callcenter.db.base import utcnow
from callcenter.db.models.web import WebUser
from callcenter.hotline import Hotline
from callcenter.web.scrypt import MAX_LENGTH, hash_password

INITIAL_FILE = "web-initial-passwords.txt"
ENV_PREFIX = "CALLCENTER_WEB_PASSWORD_"
MIN_LENGTH = 8


def ensure_accounts(session: Session, hotline: Hotline, env: Mapping[str, str],
                    var_dir: Path) -> list[tuple[str, str]]:
    """Create missing accounts; return (工号, password) of those given a generated password."""
    generated: list[tuple[str, str]] = []
    for agent in hotline.agents:
        if session.get(WebUser, agent.id) is not None:
            continue
        password = env.get(f"{ENV_PREFIX}{agent.id}")
        if not password:
            password = secrets.token_urlsafe(9)
            generated.append((agent.id, password))
        session.add(WebUser(id=agent.id, password_hash=hash_password(password)))
    if generated:
        _write_initial(var_dir, generated)
    return generated


def reset_password(session: Session, user_id: str, password: str | None = None) -> str:
    user = session.get(WebUser, user_id)
    password = password or secrets.token_urlsafe(9)
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise ValueError(f"a password needs {MIN_LENGTH} to {MAX_LENGTH} characters")
    if user is None:
        session.add(WebUser(id=user_id, password_hash=hash_password(password)))
    else:
        user.password_hash = hash_password(password)
        user.password_set_at = utcnow()
    return password


def check_new_password(password: str) -> str | None:
    """Why a new password is refused (zh / en), or None."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return (f"新密码需要 {MIN_LENGTH}–{MAX_LENGTH} 个字符 / "
                f"a new password needs {MIN_LENGTH} to {MAX_LENGTH} characters")
    return None


def set_password_hash(session: Session, user_id: str, password_hash: str) -> None:
    user = session.get(WebUser, user_id)
    if user is None:
        session.add(WebUser(id=user_id, password_hash=password_hash))
    else:
        user.password_hash = password_hash
        user.password_set_at = utcnow()


def _write_initial(var_dir: Path, pairs: list[tuple[str, str]]) -> None:
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / INITIAL_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        for user_id, password in pairs:
            out.write(f"{user_id}\t{password}\n")
