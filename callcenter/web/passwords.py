"""Password hashing (hashlib.scrypt) and the accounts' initial passwords.

Initial passwords: for each agent or supervisor of the hotline file without an account, the
password is ``CALLCENTER_WEB_PASSWORD_<工号>`` when that variable is set, otherwise a random one
that is written once to ``<var>/web-initial-passwords.txt`` (mode 0600) and printed by
``callcenter web passwords``. Nothing else ever shows a password; only the scrypt hash is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.orm import Session

from callcenter.db.base import utcnow
from callcenter.db.models.web import WebUser
from callcenter.hotline import Hotline

# scrypt cost: 2^14 × 8 × 1 takes ~50 ms and 16 MiB, the interactive-login setting of RFC 7914.
_N, _R, _P = 2**14, 8, 1
INITIAL_FILE = "web-initial-passwords.txt"
ENV_PREFIX = "CALLCENTER_WEB_PASSWORD_"
MIN_LENGTH = 8


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "$".join(["scrypt", str(_N), str(_R), str(_P), _b64(salt), _b64(digest)])


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p),
                                dklen=len(_unb64(digest)))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, _unb64(digest))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode())


def ensure_accounts(session: Session, hotline: Hotline, env: Mapping[str, str], var_dir: Path) -> list[tuple[str, str]]:
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
    if len(password) < MIN_LENGTH:
        raise ValueError(f"a password needs at least {MIN_LENGTH} characters")
    if user is None:
        session.add(WebUser(id=user_id, password_hash=hash_password(password)))
    else:
        user.password_hash = hash_password(password)
        user.password_set_at = utcnow()
    return password


def _write_initial(var_dir: Path, pairs: list[tuple[str, str]]) -> None:
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / INITIAL_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        for user_id, password in pairs:
            out.write(f"{user_id}\t{password}\n")
