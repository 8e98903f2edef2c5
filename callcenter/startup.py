"""Failures at the edge of the command line turned into one line for the person running it:
which setting, file or command to look at, and what to do. Anything not recognised here is a
bug and keeps its traceback."""

from __future__ import annotations

import errno
import os
from collections.abc import Mapping

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

_UNMIGRATED = ("no such table", "does not exist", "undefinedtable")
_VAR_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.ENOSPC, errno.EISDIR,
               errno.EEXIST}


def describe(exc: BaseException, env: Mapping[str, str] | None = None) -> str | None:
    """One line for a known start-up or run-time failure, or None for anything else."""
    env = os.environ if env is None else env
    if isinstance(exc, DBAPIError):
        return _database(exc, env)
    if isinstance(exc, OSError) and exc.errno in _VAR_ERRNOS:
        where = exc.filename or "a file"
        return (f"cannot write {where}: {exc.strerror}; the service keeps its state in CALLCENTER_VAR_DIR "
                f"({env.get('CALLCENTER_VAR_DIR') or 'var'}), which must be a writable directory")
    return None


def _database(exc: DBAPIError, env: Mapping[str, str]) -> str:
    url = _shown_url(env.get("CALLCENTER_DATABASE_URL") or "sqlite:///var/callcenter.db")
    detail = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
    if isinstance(exc, OperationalError | ProgrammingError) and any(
            m in f"{detail} {type(exc.orig).__name__}".lower() for m in _UNMIGRATED):
        return (f"the database {url} has no callcenter tables ({detail}): run `callcenter db upgrade` "
                "(CALLCENTER_DATABASE_URL names the database)")
    return f"cannot use the database {url}: {detail}; check CALLCENTER_DATABASE_URL and that the server is up"


def _shown_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 (a URL that does not even parse is shown as given)
        return url
