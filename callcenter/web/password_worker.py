"""The password worker: one process, at a low CPU priority, does every scrypt of the web UI.

A login's scrypt costs ~50 ms of CPU. On a thread of the service it competed for the machine's
cores with the event loop that tracks calls and decides greetings: a login flood that reached
scrypt on every try made the greeting decision's p95 5.6× its idle value. In a process of its own
at a low priority (``scrypt.WORKER_NICE``) it yields to the event loop. Beyond
``MAX_WAITING`` checks in hand, logins are refused at once ("busy") instead of piling up.

The web component starts the worker and stops it; anything else that checks a password (an app
under test) starts it on first use. A worker that died is replaced, its check answered "busy".
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from callcenter.web import scrypt

log = logging.getLogger(__name__)
MAX_WAITING = 4
T = TypeVar("T")


class Busy(Exception):
    """Too many password checks are in hand (or the worker just failed); try again shortly."""


class PasswordWorker:
    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()  # start/stop come from the event loop and from threads
        self._waiting = 0

    def start(self) -> int:
        """Start the worker process (if it is not running) and return its process id; blocks until
        it is ready, the dummy hash made (call it off the event loop)."""
        return self._submit(os.getpid)[1].result()

    def stop(self) -> None:
        """Stop the worker process, after the checks in hand; blocks (call it off the event loop)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def has_room(self) -> bool:
        """Whether a check now would be taken (a refusal then costs no database look-up either)."""
        return self._waiting < MAX_WAITING

    async def check(self, password: str, stored: str | None) -> bool:
        """Whether ``password`` matches ``stored``; ``stored=None`` (no such account) costs the same
        scrypt work against a dummy hash and fails. Raises ``Busy`` beyond ``MAX_WAITING``."""
        if not self.has_room():
            raise Busy()
        self._waiting += 1
        try:
            ok = await self._run(scrypt.verify_or_dummy, password, stored)
        finally:
            self._waiting -= 1
        return ok and stored is not None

    async def hash(self, password: str) -> str:
        try:
            return await self._run(scrypt.hash_password, password)
        except Busy:  # the worker had died: once more, on the fresh one
            return await self._run(scrypt.hash_password, password)

    async def _run(self, function: Callable[..., T], *args: object) -> T:
        pool, future = self._submit(function, *args)
        try:
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            log.warning("web: the password worker stopped unexpectedly; a new one starts")
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            pool.shutdown(wait=False)
            raise Busy() from None

    def _submit(self, function: Callable[..., T], *args: object) -> tuple[ProcessPoolExecutor, Future[T]]:
        with self._lock:  # never onto a pool that ``stop`` is shutting down
            if self._pool is None:
                # spawn, not fork: a forked copy of the service's threads and locks is unsafe.
                self._pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                    initializer=scrypt.worker_started, initargs=(os.getpid(),))
            pool = self._pool
            try:
                return pool, pool.submit(function, *args)
            except BrokenProcessPool:  # it died before; the failed future says so like any other
                failed: Future[T] = Future()
                failed.set_exception(BrokenProcessPool("the password worker died"))
                return pool, failed


WORKER = PasswordWorker()
