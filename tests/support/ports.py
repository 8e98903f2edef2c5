"""TCP ports free on the loopback for a test's servers. Ports asked for together are bound
together, so they are distinct (two ports asked one after the other may come back equal: a
service and its own Asterisk on one port then talk to themselves)."""

from __future__ import annotations

import contextlib
import socket


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    with contextlib.ExitStack() as held:
        socks = [held.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind((host, 0))
        return [int(sock.getsockname()[1]) for sock in socks]


def free_port(host: str = "127.0.0.1") -> int:
    (port,) = free_ports(1, host)
    return port
