"""The AMI action client (contract C1, ``ctx.actions``): Originate, queue membership and pause,
Redirect, Hangup and any other action, on the *action* user (the listener's user is read-only).

The session is opened on first use and re-opened once when the link broke; an action Asterisk
refuses raises AmiActionError with Asterisk's own words (its ``Message:``).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
from collections.abc import Mapping

from callcenter.ami.session import Action, AmiConnectionError, AmiHeaderError, AmiLoginError, AmiSession
from callcenter.config import AmiSettings
from callcenter.errors import CallcenterError

log = logging.getLogger(__name__)
_originate_ids = itertools.count(1)
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
# Asterisk splits an Originate's Variable header on commas (honouring quotes, brackets and
# backslashes) and the dialplan substitutes values into application arguments, where a comma,
# '|' or bracket would split Dial()'s arguments and '$' or quotes would change an expression.
_EXTEN = re.compile(r"[0-9A-Za-z*#+_-]{1,40}")
_UNSAFE_VALUE = re.compile(r"[,|;()\[\]{}$\"'\\`\x00-\x1f\x7f]")


class AmiActionError(CallcenterError):
    """Asterisk said no (or could not be reached); the message is meant for people."""


class AmiLinkDown(AmiActionError):
    """Asterisk could not be reached: an outage, expected now and then, not a refusal."""


class AmiActions:
    def __init__(self, settings: AmiSettings, timeout: float = 10.0) -> None:
        self._settings = settings
        self._timeout = timeout
        self._session: AmiSession | None = None
        self._lock = asyncio.Lock()

    async def send(self, action: Action) -> list[dict[str, str]]:
        """The Response and, for list actions, the events up to EventList Complete."""
        name = _name(action)
        try:
            reply = await self._send_once(action)
        except AmiConnectionError:
            await self._drop()
            try:
                reply = await self._send_once(action)
            except AmiConnectionError as exc:
                raise AmiLinkDown(f"{name} failed: the AMI link is down ({exc})") from None
        except (AmiLoginError, AmiHeaderError) as exc:
            raise AmiActionError(str(exc)) from None
        if reply and reply[0].get("Response") == "Error":
            message = reply[0].get("Message") or "Asterisk refused it"
            raise AmiActionError(f"{name} failed: {message}")
        return reply

    async def originate(self, channel: str, *, context: str | None = None, exten: str | None = None,
                        priority: int = 1, application: str | None = None, data: str | None = None,
                        variables: dict[str, str] | None = None, caller_id: str | None = None,
                        timeout_ms: int = 30000, action_id: str | None = None) -> str:
        """Queue an Originate (Async): returns the ActionID; OriginateResult follows on the bus."""
        action_id = action_id or f"cc-originate-{next(_originate_ids)}"
        if exten is not None and not _EXTEN.fullmatch(exten):
            raise AmiActionError(f"Originate refused: {exten[:40]!r} is not a dialplan extension")
        action = [("Action", "Originate"), ("ActionID", action_id), ("Channel", channel), ("Async", "true"),
                  ("Timeout", str(timeout_ms))]
        if application:
            action += [("Application", application), ("Data", data or "")]
        else:
            action += [("Context", context or ""), ("Exten", exten or ""), ("Priority", str(priority))]
        if caller_id:
            action.append(("CallerID", caller_id))
        # One Variable header per variable (Asterisk 20 reads every one), each value checked, so
        # that no value can add a variable of its own.
        action += [("Variable", f"{k}={v}") for k, v in checked_variables(variables or {}).items()]
        await self.send(action)
        return action_id

    async def queue_add(self, queue: str, interface: str, member_name: str | None = None,
                        paused: bool = False) -> None:
        action = {"Action": "QueueAdd", "Queue": queue, "Interface": interface, "Paused": _bool(paused)}
        if member_name:
            action["MemberName"] = member_name
        await self.send(action)

    async def queue_remove(self, queue: str, interface: str) -> None:
        await self.send({"Action": "QueueRemove", "Queue": queue, "Interface": interface})

    async def queue_pause(self, interface: str, paused: bool, reason: str | None = None,
                          queue: str | None = None) -> None:
        action = {"Action": "QueuePause", "Interface": interface, "Paused": _bool(paused)}
        if reason:
            action["Reason"] = reason
        if queue:
            action["Queue"] = queue
        await self.send(action)

    async def redirect(self, channel: str, context: str, exten: str, priority: int = 1) -> None:
        await self.send({"Action": "Redirect", "Channel": channel, "Context": context, "Exten": exten,
                         "Priority": str(priority)})

    async def hangup(self, channel: str) -> None:
        await self.send({"Action": "Hangup", "Channel": channel})

    async def close(self) -> None:
        await self._drop()

    async def _send_once(self, action: Action) -> list[dict[str, str]]:
        async with self._lock:
            if self._session is None or self._session.closed.done():
                s = self._settings
                self._session = await AmiSession.open(s.host, s.port, s.action_user, s.action_secret.reveal(),
                                                      events=False, timeout=self._timeout)
            session = self._session
        return await session.send(action, timeout=self._timeout)

    async def _drop(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()


def checked_variables(variables: Mapping[str, str]) -> dict[str, str]:
    """Channel variables for an Originate, or AmiActionError naming the one that could split
    into more variables or into more dialplan arguments (nothing is sent then)."""
    for name, value in variables.items():
        if not _VARIABLE_NAME.fullmatch(name):
            raise AmiActionError(f"Originate refused: {name[:40]!r} is not a channel variable name")
        if _UNSAFE_VALUE.search(value) or len(value) > 256:
            raise AmiActionError(f"Originate refused: the value of {name} holds "
                                 "characters the dialplan would "
                                 "split on (comma, quote, bracket, $, control characters) or is too long")
    return dict(variables)


def caller_id(name: str, number: str) -> str:
    """``"name" <number>`` as Asterisk parses it: quotes, angle brackets and control characters
    cannot reach the name, and the number must be digits (callcenter.phones normalised it)."""
    if not number.isascii() or not number.isdigit():
        raise AmiActionError("Originate refused: the caller ID number is not digits")
    clean = "".join(c for c in name if c.isprintable() and c not in '"<>\\')[:40]
    return f'"{clean}" <{number}>'


def _name(action: Action) -> str:
    pairs = action.items() if isinstance(action, Mapping) else action
    return next((v for k, v in pairs if k == "Action"), "?")


def _bool(value: bool) -> str:
    return "true" if value else "false"
