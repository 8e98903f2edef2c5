"""The outside world of ``bench/login_flood.py``, in processes of their own (as browsers, an
attacker and Asterisk would be): ``flood`` posts wrong passwords from 64 concurrent clients;
``measure`` times a supervisor's report page and the ``answered`` FastAGI greeting decision.
Each prints one JSON line."""

from __future__ import annotations

import asyncio
import collections
import json
import os
import re
import socket
import sys
import threading
import time

import httpx

REPORT = "/reports?from=2026-11-24&to=2026-11-24&by=agent"
AGI_ENV = {"agi_network": "yes", "agi_network_script": "answered", "agi_request": "agi://127.0.0.1/answered",
           "agi_channel": "Local/inbound@from-pstn-00000021;2", "agi_type": "Local",
           "agi_uniqueid": "1795635060.69", "agi_version": "20.20.1", "agi_callerid": "13800138000",
           "agi_context": "from-pstn", "agi_extension": "inbound", "agi_priority": "4"}
AGI_VARIABLES = {"MEMBERINTERFACE": "PJSIP/8101", "MEMBERNAME": "101 李秀英"}


STOP = threading.Event()  # set when the bench closes our stdin
# The attacker's clients stand for another machine: on the bench's own small host they run at the
# lowest priority, so that what the flood costs the service is the service's work of answering
# it, not the CPU the flooding clients themselves take from it.
FLOOD_CLIENTS_NICE = 19


def _stop_at_eof() -> None:
    sys.stdin.read()
    STOP.set()


async def _flooder(base: str, user_id: str, deadline: float, counts: collections.Counter[int]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        page = (await http.get("/login")).text
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        token = found.group(1) if found else ""
        while time.monotonic() < deadline and not STOP.is_set():
            answer = await http.post("/login", data={"user_id": user_id, "password": "not-the-password",
                                                     "csrf_token": token})
            counts[answer.status_code] += 1


async def flood(base: str, workers: int, seconds: float) -> dict[str, object]:
    counts: collections.Counter[int] = collections.Counter()
    deadline = time.monotonic() + seconds
    ids = ["101", "102", "103", "201", "202", "301", "900", "99999"]  # known ones and an unknown one
    await asyncio.gather(*(_flooder(base, ids[i % len(ids)], deadline, counts) for i in range(workers)))
    return {"requests": sum(counts.values()), "by_status": {str(k): v for k, v in sorted(counts.items())}}


def _agi_session(port: int) -> float:
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(("".join(f"{k}: {v}\n" for k, v in AGI_ENV.items()) + "\n").encode())
        reader = sock.makefile("rb")
        while True:
            command = reader.readline().decode().strip()
            if command.startswith("STREAM FILE") or not command:
                return time.perf_counter() - started
            name = command.removeprefix("GET VARIABLE ")
            sock.sendall(f"200 result=1 ({AGI_VARIABLES.get(name, '')})\n".encode())


def measure(base: str, cookie: str, agi_port: int, samples: int) -> dict[str, list[float]]:
    report, greeting = [], []
    with httpx.Client(base_url=base, timeout=60, headers={"cookie": cookie}) as http:
        for _ in range(samples):
            started = time.perf_counter()
            answer = http.get(REPORT)
            report.append(time.perf_counter() - started)
            if answer.status_code != 200:
                raise SystemExit(f"report page answered {answer.status_code}")
            greeting.append(_agi_session(agi_port))
    return {"report_page": report, "greeting_decision": greeting}


if __name__ == "__main__":
    kind, args = sys.argv[1], sys.argv[2:]
    if kind == "flood":
        os.nice(FLOOD_CLIENTS_NICE)
        threading.Thread(target=_stop_at_eof, daemon=True).start()
        print(json.dumps(asyncio.run(flood(args[0], int(args[1]), float(args[2])))))
    else:
        print(json.dumps(measure(args[0], args[1], int(args[2]), int(args[3]))))
