"""Password hashing (hashlib.scrypt) and the accounts' initial passwords.

Initial passwords: for each agent or supervisor of the hotline file without an account, the
password is ``CALLCENTER_WEB_PASSWORD_<工号>`` when that variable is set, otherwise a random one
that is written once to ``<var>/web-initial-passwords.txt`` (mode 0600) and printed by
``callcenter web passwords``. Nothing else ever shows a password; only the scrypt hash is stored.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
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
MAX_LENGTH = 256  # longer "passwords" only make scrypt work for an attacker

# One thread does every scrypt of the web UI: a login flood then costs at most one of the
# machine's cores and never the event loop that tracks calls. Beyond MAX_WAITING queued checks,
# logins are refused at once ("busy") instead of piling up.
_SCRYPT = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scrypt")
MAX_WAITING = 4
_waiting = 0


class Busy(Exception):
    """Too many password checks are queued; the caller should try again shortly."""


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


@functools.cache
def dummy_hash() -> str:
    """A hash no password matches, checked for unknown 工号 so that the answer takes as long
    as for a known one (the login time must not tell whether a 工号 exists)."""
    return hash_password(secrets.token_urlsafe(16))


async def check_password(password: str, stored: str | None) -> bool:
    """``verify_password`` on the scrypt thread; ``stored=None`` checks the dummy hash and fails."""
    global _waiting
    if _waiting >= MAX_WAITING:
        raise Busy()
    _waiting += 1
    try:
        ok = await asyncio.get_running_loop().run_in_executor(_SCRYPT, _verify_or_dummy, password, stored)
    finally:
        _waiting -= 1
    return ok and stored is not None


def _verify_or_dummy(password: str, stored: str | None) -> bool:
    started = time.perf_counter()
    try:
        return verify_password(password[:MAX_LENGTH], stored if stored is not None else dummy_hash())
    finally:
        # Half duty: the scrypt thread rests as long as it worked, so a flood takes at most half
        # of one core (about ten logins a second stay possible: a whole shift logs in within seconds).
        time.sleep(time.perf_counter() - started)


async def hash_password_async(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_SCRYPT, hash_password, password)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode())


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
