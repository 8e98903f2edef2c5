"""The AMI server: a TCP port that talks like Asterisk 20's manager (banner, Login with plain or
MD5 challenge, Events, ActionID echo, timestamped events, EventList completions)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets

from callcenter.pbxsim import ami_permissions
from callcenter.pbxsim.ami_actions import ACTIONS
from callcenter.pbxsim.ami_session import Session
from callcenter.pbxsim.pbx import Pbx
from callcenter.pbxsim.wire import BANNER, Headers, first, split_messages

log = logging.getLogger(__name__)


class AmiServer:
    def __init__(self, pbx: Pbx, host: str = "127.0.0.1", port: int = 0,
                 auth_failure_delay: float = 1.0) -> None:
        self.pbx = pbx
        self.host = host
        self.port = port
        self.auth_failure_delay = auth_failure_delay  # Asterisk answers a bad login after ~1 s
        self.sessions: list[Session] = []
        self.closed_sessions: list[Session] = []
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        pbx.listeners.append(self._broadcast)

    async def start(self) -> None:
        """Listen (again, on the same port after a stop: a restarted Asterisk)."""
        if self._broadcast not in self.pbx.listeners:
            self.pbx.listeners.append(self._broadcast)
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("pbxsim AMI listening on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for session in list(self.sessions):
            session.closed = True
            session.writer.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
        if self._broadcast in self.pbx.listeners:
            self.pbx.listeners.remove(self._broadcast)

    def _broadcast(self, headers: Headers) -> None:
        for session in self.sessions:
            session.event(headers)

    @property
    def all_sessions(self) -> list[Session]:
        return self.closed_sessions + self.sessions

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        peer = writer.get_extra_info("peername") or ("127.0.0.1", 0)
        session = Session(writer, f"IPV4/TCP/{peer[0]}/{peer[1]}")
        self.sessions.append(session)
        writer.write(BANNER)
        buffer = bytearray()
        try:
            while not session.closed:
                chunk = await reader.read(65536)
                if not chunk:
                    break
                buffer += chunk
                for action in split_messages(buffer):
                    session.actions.append(action)
                    await self._dispatch(session, action)
                    if session.closed:
                        break
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            session.closed = True
            self.sessions.remove(session)
            self.closed_sessions.append(session)
            writer.close()
            if task is not None:
                self._handlers.discard(task)

    async def _dispatch(self, session: Session, action: Headers) -> None:
        name = (first(action, "Action") or "").lower()
        if name == "login":
            await self._login(session, action)
        elif name == "challenge":
            session.challenge = f"{secrets.randbelow(10**9):09d}"
            session.respond(action, "Success", ("Challenge", session.challenge))
        elif name == "logoff":
            session.respond(action, "Goodbye", ("Message", "Thanks for all the fish."))
            await session.writer.drain()
            session.closed = True
        elif session.user is None:
            session.respond(action, "Error", ("Message", "Authentication Required"))
        elif not ami_permissions.may_send(session, name):
            session.respond(action, "Error", ("Message", "Permission denied"))
        elif name in ACTIONS:
            try:
                await ACTIONS[name](self.pbx, session, action)
            except Exception as exc:  # a bad action must never take the server down
                log.exception("pbxsim: action %s failed", name)
                session.respond(action, "Error", ("Message", f"Internal error: {exc}"))
        else:
            session.respond(action, "Error", ("Message", "Invalid/unknown command"))

    def _secret_ok(self, session: Session, action: Headers, user: str) -> bool:
        secret = self.pbx.config.users.get(user)
        if secret is None:
            return False
        if (first(action, "AuthType") or "").lower() == "md5":
            if session.challenge is None:
                return False
            expected = hashlib.md5((session.challenge + secret).encode()).hexdigest()
            return secrets.compare_digest(expected, (first(action, "Key") or "").lower())
        return secrets.compare_digest(secret, first(action, "Secret") or "")

    async def _login(self, session: Session, action: Headers) -> None:
        user = first(action, "Username") or ""
        if not self._secret_ok(session, action, user):
            await asyncio.sleep(self.auth_failure_delay)
            session.respond(action, "Error", ("Message", "Authentication failed"))
            await session.writer.drain()
            session.closed = True
            self.pbx.emit("InvalidPassword", "security,all", self._security(session, user, "Error"))
            return
        session.user = user
        read, write = self.pbx.config.permissions.get(user, ("all", "all"))
        session.read, session.write = ami_permissions.classes(read), ami_permissions.classes(write)
        session.events = (first(action, "Events") or "on").lower() != "off"
        session.respond(action, "Success", ("Message", "Authentication accepted"))
        uptime = str(int(self.pbx.now() - self.pbx.started_at))
        # FullyBooted goes straight into the new session, without a Timestamp (trace README).
        if session.events:
            session.send([("Event", "FullyBooted"), ("Privilege", "system,all"), ("Uptime", uptime),
                          ("LastReload", uptime), ("Status", "Fully Booted")])
        self.pbx.emit("SuccessfulAuth", "security,all",
                      self._security(session, user, "Informational") + [("UsingPassword", "0")])

    def _security(self, session: Session, user: str, severity: str) -> Headers:
        return [("Severity", severity), ("Service", "AMI"), ("EventVersion", "1"), ("AccountID", user),
                ("SessionID", f"0x{id(session):x}"), ("LocalAddress", f"IPV4/TCP/{self.host}/{self.port}"),
                ("RemoteAddress", session.peer)]
