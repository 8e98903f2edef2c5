"""Runs a scenario's calls against a running Pbx: Originate over a real AMI connection for
``via = "originate"`` (as the traces' driver did), trunk channels directly for SIP/PJSIP callers."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from callcenter.pbxsim import ami_permissions, registrations
from callcenter.pbxsim.channels import Channel, HangupRequest
from callcenter.pbxsim.dialplan import hold, trunk_call
from callcenter.pbxsim.rawclient import RawAmiClient
from callcenter.pbxsim.scenario import CallPlan, PhoneStep, Scenario

if TYPE_CHECKING:
    from callcenter.pbxsim.pbx import Pbx


class ScenarioDriver:
    def __init__(self, pbx: Pbx, scenario: Scenario, ami_port: int, user: str | None = None,
                 secret: str | None = None) -> None:
        self.pbx, self.scenario, self.ami_port = pbx, scenario, ami_port
        self.user = user or _originating_user(pbx)
        self.secret = secret if secret is not None else pbx.config.users[self.user]
        self.channels: list[Channel] = []
        self._client: RawAmiClient | None = None

    async def connect(self) -> None:
        """Open the driver's own AMI connection (Originate is sent from there, as in the traces)."""
        if self._client is None:
            self._client = await RawAmiClient.connect("127.0.0.1", self.ami_port)
            await self._client.login(self.user, self.secret, events="off")

    async def run(self) -> None:
        """Place every call at its time (simulated seconds from now); returns after the last one."""
        self.pbx.globals.update(self.scenario.globals)
        start = self.pbx.timebase.time()
        for step in self.scenario.phones:
            self._phone_later(step)
        try:
            for plan in self.scenario.calls:
                delay = plan.at - (self.pbx.timebase.time() - start)
                if delay > 0:
                    await self.pbx.sleep(delay)
                await self.place(plan)
        finally:
            if self._client is not None:
                await self._client.close()
                self._client = None

    async def place(self, plan: CallPlan) -> bool:
        """Place one call; False when the PBX is down (restarting) and the call never reaches it."""
        if self.pbx.down:
            return False
        variables = dict(plan.variables)
        if plan.keys:
            variables["PBXSIM_DTMF"] = plan.keys
        inbound = ("callcenter-inbound",
                   plan.caller) if self.scenario.flow == "hotline" else ("from-pstn", "inbound")
        if plan.via == "originate":
            await self._originate(plan, variables, inbound)
            return True
        channel = trunk_call(self.pbx, plan.caller, technology="SIP" if plan.via == "sip" else "PJSIP",
                             context=inbound[0], exten=inbound[1], variables=variables)
        self.channels.append(channel)
        self._script(channel, plan)
        self._caller_timers(channel, plan)
        return True

    async def _originate(self, plan: CallPlan, variables: dict[str, str], inbound: tuple[str, str]) -> None:
        await self.connect()
        assert self._client is not None
        headers = [("Channel", f"Local/{inbound[1]}@{inbound[0]}"), ("Application", "Wait"),
                   ("Data", f"{plan.hangup_after:g}" if plan.hangup_after is not None else "3600"),
                   ("CallerID", plan.caller), ("Timeout", "30000"), ("Async", "true")]
        headers += [("Variable", f"{k}={v}") for k, v in variables.items()]
        await self._client.action("Originate", *headers)
        channel = next((c for c in reversed(list(self.pbx.channels.values()))
                        if c.name.endswith(";2") and c.cid_num == plan.caller), None)
        if channel is not None:
            self._script(channel, plan)
            self._caller_timers(channel, plan, hangup=False)

    def _script(self, channel: Channel, plan: CallPlan) -> None:
        """The call's speech, for the recordings; synthesis starts now so hang-up need not wait."""
        call = self.pbx.calls.get(channel.linkedid)
        if call is not None and plan.say:
            call.script = plan.say
            if self.pbx.recorder is not None:
                self.pbx.recorder.prepare(plan.say)

    def _caller_timers(self, channel: Channel, plan: CallPlan, hangup: bool = True) -> None:
        pbx = self.pbx
        if hangup and plan.hangup_after is not None:
            pbx.later(plan.hangup_after, lambda: channel.request(HangupRequest("caller", None)))
        if hangup and plan.give_up_after is not None:
            pbx.later(plan.give_up_after, lambda: self._give_up(channel))
        for item in plan.holds:
            pbx.later(item.at, lambda: hold(pbx, channel, True))
            pbx.later(item.at + item.seconds, lambda: hold(pbx, channel, False))
        for item in plan.agent_holds:
            self._agent_hold_later(channel, item.at, item.seconds)
        for kind, move in (("redirect", plan.redirect), ("transfer", plan.blind_transfer)):
            if move is not None:
                self._move_later(channel, kind, move)

    def _phone_later(self, step: PhoneStep) -> None:
        change = registrations.register if step.registered else registrations.unregister
        if step.at <= 0:
            change(self.pbx, step.phone)
        else:
            self.pbx.later(step.at, lambda: change(self.pbx, step.phone))

    def _agent_hold_later(self, caller: Channel, at: float, seconds: float) -> None:
        """The phone bridged with the caller at ``at`` holds (Hold on the phone's channel, music on
        hold for the caller, as Asterisk 20.20.1 sends it) and takes the call back ``seconds`` later."""
        pbx, held = self.pbx, list[Channel]()

        def on() -> None:
            phone = caller.bridged_with
            if phone is not None:
                held.append(phone)
                hold(pbx, phone, True)

        def off() -> None:
            for phone in held:
                hold(pbx, phone, False)

        pbx.later(at, on)
        pbx.later(at + seconds, off)

    def _give_up(self, channel: Channel) -> None:
        """The caller's patience ran out: hang up unless someone answered meanwhile."""
        log = self.pbx.calls.get(channel.linkedid)
        if log is not None and log.answered_by is None:
            channel.request(HangupRequest("caller", None))

    def _move_later(self, channel: Channel, kind: str, move: tuple[float, str, str]) -> None:
        at, context, exten = move
        self.pbx.later(at, lambda: channel.request(HangupRequest(kind, None, (context, exten, 1))))


def _originating_user(pbx: Pbx) -> str:
    """The first AMI user whose manager.conf ``write`` allows Originate (callers are originated
    by the action user, as on the real tier)."""
    for user in pbx.config.users:
        _read, write = pbx.config.permissions.get(user, ("all", "all"))
        if "originate" in ami_permissions.classes(write):
            return user
    return next(iter(pbx.config.users))


async def run_scenario(pbx: Pbx, scenario: Scenario, ami_port: int, settle: float = 2.0,
                       driver: ScenarioDriver | None = None) -> None:
    """Place the calls and wait (simulated time) until the scenario's end and all calls are over."""
    driver = driver or ScenarioDriver(pbx, scenario, ami_port)
    start = pbx.timebase.time()
    await driver.run()
    remaining = scenario.end - (pbx.timebase.time() - start)
    if remaining > 0:
        await pbx.sleep(remaining)
    for _ in range(int(600 / max(settle, 0.1))):
        if not any(c for c in pbx.channels.values()):
            break
        await pbx.sleep(settle)
    await asyncio.sleep(0)
