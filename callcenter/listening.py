"""The service's listening ports (FastAGI, web): a port that cannot be opened stops the start-up
with one line naming its setting and what to do, never a traceback."""

from __future__ import annotations

import errno
import socket

from callcenter.errors import ConfigError


def listening_socket(host: str, port: int, *, host_setting: str, port_setting: str) -> socket.socket:
    """A bound TCP socket on ``host:port`` (0: any free port), ready for ``create_server(sock=…)``."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    except socket.gaierror:
        raise ConfigError(host_setting, f"{host!r} is not an address or host name this machine can resolve; "
                                        f"set {host_setting} to one of its "
                                        "addresses (e.g. 127.0.0.1)") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart reuses the port at once
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise ConfigError(*_why(exc, host, port, host_setting, port_setting)) from None
    return sock


def _why(exc: OSError, host: str, port: int, host_setting: str, port_setting: str) -> tuple[str, str]:
    where = f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        return port_setting, (f"{where} is in use by another program (perhaps another `callcenter run`): "
                              f"stop it, or set {port_setting} to a free port")
    if exc.errno == errno.EACCES:
        return port_setting, (f"{where} may only be opened with privileges: "
                              f"set {port_setting} to 1024 or above")
    if exc.errno == errno.EADDRNOTAVAIL:
        return host_setting, (f"{host} is not an address of this machine: "
                              f"set {host_setting} to one of its addresses")
    return port_setting, f"{where} cannot be opened ({exc.strerror}): set {port_setting} or {host_setting}"
