"""scrypt password hashes, and what the password worker process runs.

Standard library only: the worker (``callcenter.web.password_worker``) is a fresh interpreter
that imports this module and nothing else of the service.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import hmac
import os
import secrets
import signal
import threading
import time

# scrypt cost: 2^14 × 8 × 1 takes ~50 ms and 16 MiB, the interactive-login setting of RFC 7914.
_N, _R, _P = 2**14, 8, 1
MAX_LENGTH = 256  # longer "passwords" only make scrypt work for an attacker
_PARENT_CHECK_SECONDS = 1.0
# nice 10: when the worker and the event loop want the same core, the loop gets ~90 % of it
# (scheduler weights 1024 : 110). Not 19 nor SCHED_IDLE: on a saturated machine those starve the
# checks (a login then takes tens of seconds, or never ends) without making call tracking faster.
WORKER_NICE = 10


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


def verify_or_dummy(password: str, stored: str | None) -> bool:
    """The worker's check: ``stored=None`` (unknown or disabled 工号) checks the dummy hash."""
    started = time.process_time()
    try:
        return verify_password(password[:MAX_LENGTH], stored if stored is not None else dummy_hash())
    finally:
        # The worker rests as long as it worked: at most about ten checks a second (a whole shift
        # still logs in within seconds), so a flood's failures stay few to audit and to store.
        time.sleep(time.process_time() - started)


def worker_started(parent_pid: int) -> None:
    """The worker's initializer: a low CPU priority, so that whatever else wants a core (the
    event loop tracking calls and deciding greetings first) gets it before a password check;
    then the dummy hash, made before the first unknown 工号 needs it."""
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICE)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the service, which stops us
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True,
                     name="parent-watch").start()
    dummy_hash()


def _exit_with_parent(parent_pid: int) -> None:
    # A service killed with SIGKILL cannot stop its worker: the worker notices and goes too.
    while os.getppid() == parent_pid:
        time.sleep(_PARENT_CHECK_SECONDS)
    os._exit(0)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode())
