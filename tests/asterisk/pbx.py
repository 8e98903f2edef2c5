"""Driving and watching the real Asterisk over AMI, and the test's view of one call.

``AmiStream`` is the listener user's session: every byte kept (the capture a trace is made of),
every event parsed with its arrival. ``AmiDriver`` is the action user: callers are AMI
``Originate`` of ``Local/<number>@callcenter-inbound`` (the ``;1`` half waits; ``PlayDTMF`` on it
presses IVR keys). ``truth()`` reads a call's ring time straight from the events' Timestamps: from
the first ``AgentCalled``/``DialBegin`` (when Asterisk starts calling a member) to the answering
phone's channel going ``Up`` (or the caller's abandon) -- the caller's wait as the rule counts it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from callcenter.pbxsim.rawclient import RawAmiClient
from callcenter.pbxsim.wire import split_messages

Event = dict[str, str]


class AmiStream:
    def __init__(self, client: RawAmiClient) -> None:
        self.client = client
        self.events: list[Event] = []
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, port: int, user: str, secret: str) -> AmiStream:
        client = await RawAmiClient.connect("127.0.0.1", port)
        response = dict(await client.login(user, secret))
        if response.get("Response") != "Success":
            raise RuntimeError(f"AMI login as {user} refused: {response}")
        stream = cls(client)
        stream._task = asyncio.create_task(stream._read())
        return stream

    async def _read(self) -> None:
        while True:
            message = await self.client.read(timeout=3600)
            if message is None:
                return
            async with self._changed:
                self.events.append(dict(reversed(message)))
                self._changed.notify_all()

    async def wait_for(self, match: Callable[[Event], bool], timeout: float = 20.0, after: int = 0) -> Event:
        """The first event (from index ``after`` on) that matches, waiting for it if needed."""
        async with asyncio.timeout(timeout):
            async with self._changed:
                while True:
                    for event in self.events[after:]:
                        if match(event):
                            return event
                    await self._changed.wait()

    @property
    def raw(self) -> bytes:
        return bytes(self.client.raw)

    async def close(self) -> None:
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self.client.send([("Action", "Logoff"), ("ActionID", "listener-logoff-1")])
                await asyncio.sleep(0.05)
            self._task.cancel()
        await self.client.close()


async def bridged(stream: AmiStream, linkedid: str) -> None:
    """Wait until the caller and the agent are both in the bridge (AgentConnect comes just before)."""
    def both_in(_event: Event) -> bool:
        entered = [e for e in stream.events
                   if e.get("Event") == "BridgeEnter" and e.get("Linkedid") == linkedid]
        return len(entered) >= 2

    await stream.wait_for(both_in)


async def agent_complete(stream: AmiStream, linkedid: str) -> Event:
    """The call's AgentComplete, however much of the call Asterisk could still describe.

    app_queue (20.20.1, ``handle_hangup``) sends it from a Stasis thread after the first hangup
    request, with the caller's and the member's channel snapshots as they are *then*; a channel
    already destroyed is left out ("Empty caller_snapshot; sending incomplete event"). When the
    agent hangs up, the bridge ends and the caller's Local channel is gone within a millisecond, so
    on a busy machine the event often carries only the member's ``Dest…`` fields (DestLinkedid is
    the call's), and, should the member's channel be gone too, only the queue's own fields: then it
    is the first AgentComplete of the member that connected this call, after that AgentConnect."""
    connect = await stream.wait_for(lambda e: e.get("Event") == "AgentConnect"
                                    and e.get("Linkedid") == linkedid)
    after = next(i for i, e in enumerate(stream.events) if e is connect) + 1

    def of_this_call(e: Event) -> bool:
        if e.get("Event") != "AgentComplete":
            return False
        if "Linkedid" in e or "DestLinkedid" in e:
            return linkedid in (e.get("Linkedid"), e.get("DestLinkedid"))
        return e.get("Interface") == connect.get("Interface")

    return await stream.wait_for(of_this_call, after=after)


def events_of(raw: bytes) -> list[Event]:
    _banner, _, rest = raw.partition(b"\r\n")
    return [dict(reversed(m)) for m in split_messages(bytearray(rest))]


class AmiDriver:
    """The action user: originate callers, press keys, hang up, transfer."""

    def __init__(self, client: RawAmiClient) -> None:
        self.client = client

    @classmethod
    async def open(cls, port: int, user: str, secret: str) -> AmiDriver:
        client = await RawAmiClient.connect("127.0.0.1", port)
        response = dict(await client.login(user, secret, events="off"))
        if response.get("Response") != "Success":
            raise RuntimeError(f"AMI login as {user} refused: {response}")
        return cls(client)

    async def action(self, name: str, **headers: str) -> Event:
        return dict(reversed(await self.client.action(name, *headers.items(), timeout=10)))

    async def call_in(self, caller: str, number: str) -> str:
        """A caller dials the hotline: returns the ActionID whose OriginateResponse names the ;1 half."""
        response = await self.action("Originate", Channel=f"Local/{number}@callcenter-inbound",
                                     Application="Wait", Data="120", CallerID=f"\"{caller}\" <{caller}>",
                                     Async="true")
        assert response.get("Response") == "Success", response
        return response["ActionID"]

    async def close(self) -> None:
        await self.client.close()


@dataclass
class Caller:
    """A caller placed by AMI: the ``;1`` half we hold, the Linkedid of everything the call makes."""

    channel: str
    linkedid: str


async def place_call(stream: AmiStream, driver: AmiDriver, caller: str, number: str) -> Caller:
    start = len(stream.events)
    action_id = await driver.call_in(caller, number)
    # The ;1 half's OriginateResponse comes once the hotline answers (Answer() on ;2).
    response = await stream.wait_for(lambda e: e.get("Event") == "OriginateResponse"
                                     and e.get("ActionID") == action_id, after=start)
    return Caller(response["Channel"], response["Uniqueid"])


def of_call(events: list[Event], linkedid: str) -> list[Event]:
    return [e for e in events if e.get("Linkedid") == linkedid]


@dataclass(frozen=True)
class Truth:
    """One call as the AMI stream tells it."""

    first_called_at: float | None
    answered_at: float | None
    abandoned_at: float | None
    answered_by: str | None
    ring_seconds: float | None


def truth(events: list[Event], linkedid: str) -> Truth:
    mine = of_call(events, linkedid)
    called = [float(e["Timestamp"]) for e in mine if e.get("Event") in ("AgentCalled", "DialBegin")]
    answer = next((e for e in mine if e.get("Event") == "DialEnd" and e.get("DialStatus") == "ANSWER"), None)
    abandon = next((e for e in mine if e.get("Event") == "QueueCallerAbandon"), None)
    first = min(called) if called else None
    answered_at = None
    if answer is not None:  # the phone's 200 OK: its channel goes Up (Dial's A() delays the DialEnd)
        up = next((e for e in mine if e.get("Event") == "Newstate" and e.get("ChannelStateDesc") == "Up"
                   and e.get("Channel") == answer["DestChannel"]), answer)
        answered_at = float(up["Timestamp"])
    abandoned_at = float(abandon["Timestamp"]) if abandon else None
    end = answered_at if answered_at is not None else abandoned_at
    ring = end - first if first is not None and end is not None else None
    by = answer.get("DestChannel") if answer else None
    return Truth(first, answered_at, abandoned_at, by, ring)
