"""pbxsim as a service component (contract C2): sits out when a real Asterisk is configured,
otherwise serves AMI on 127.0.0.1 (a free port) and publishes the settings to use in
``ctx.extras["ami"]`` and itself in ``ctx.extras["pbxsim"]``."""

from __future__ import annotations

import logging
import os
import secrets

from callcenter.config import DEFAULT_ACTION_USER, AmiSettings, Secret
from callcenter.hotline import Hotline
from callcenter.ivr.accounts import ACTION_READ, ACTION_WRITE, LISTENER_READ, LISTENER_WRITE
from callcenter.ivr.dialplan import member_name
from callcenter.ivr.dialplan_names import AGENTS_CONTEXT
from callcenter.pbxsim.ami_server import AmiServer
from callcenter.pbxsim.pbx import Pbx, PbxConfig
from callcenter.pbxsim.queue_state import QueueConfig
from callcenter.pbxsim.recordings import Recorder
from callcenter.pbxsim.timebase import ScaledClock

log = logging.getLogger(__name__)
LISTENER_USER = "callcenter"  # the rendered listener's default name (CALLCENTER_AMI_USER)


def hotline_queues(hotline: Hotline) -> list[QueueConfig]:
    """One queue per department, members ``PJSIP/<extension>`` named as the rendered queues.conf
    names them (工号 and name, C1 identity)."""
    queues = []
    for department in hotline.departments:
        members = []
        for agent_id in department.agents:
            agent = hotline.agent(agent_id)
            if agent is not None:
                members.append((f"PJSIP/{agent.extension}", member_name(agent)))
        queues.append(QueueConfig(department.queue, tuple(members),
                                  timeout=float(department.member_timeout_seconds),
                                  monitor=False))  # C3 records from the answer, in the dialplan
    return queues


class PbxsimComponent:
    name = "pbxsim"

    def __init__(self, ctx, speed: float, seed: int) -> None:  # type: ignore[no-untyped-def]
        self._ctx = ctx
        settings = ctx.settings
        secret, action_secret = secrets.token_hex(12), secrets.token_hex(12)
        self.secret, self.action_secret = secret, action_secret
        # The two AMI users of the rendered manager.conf, with its read/write classes: the
        # listener reads no security events (SuccessfulAuth), the action user only the call class.
        users = {LISTENER_USER: secret, DEFAULT_ACTION_USER: action_secret}
        permissions = {LISTENER_USER: (LISTENER_READ, LISTENER_WRITE),
                       DEFAULT_ACTION_USER: (ACTION_READ, ACTION_WRITE)}
        config = PbxConfig(queues=hotline_queues(settings.hotline), users=users, permissions=permissions,
                           inbound="hotline", hotline=settings.hotline,
                           recordings_dir=str(settings.recordings_dir.resolve()),
                           recorder=Recorder(settings.recordings_dir.resolve()),
                           agi_resolver=self._agi_url, phone_context=AGENTS_CONTEXT,
                           # the built prompts, as the deployment installs them under sounds/callcenter
                           sounds={"callcenter": str(settings.sounds_dir.resolve())},
                           queue_log=str(settings.queue_log or settings.var_dir / "queue_log"),
                           systemname=os.environ.get("CALLCENTER_PBXSIM_SYSTEMNAME", ""))
        # One time base for the service and the PBX, so an accelerated demo stays consistent.
        self.pbx = Pbx(config, speed=speed, seed=seed,
                       clock=ctx.clock if isinstance(ctx.clock, ScaledClock) else None)
        self.server = AmiServer(self.pbx, "127.0.0.1", 0)

    def _agi_url(self) -> str | None:
        address = self._ctx.extras.get("agi")
        return f"agi://{address[0]}:{address[1]}/inbound" if address else None

    async def start(self) -> None:
        await self.server.start()
        self._ctx.extras["ami"] = AmiSettings(host="127.0.0.1", port=self.server.port, user=LISTENER_USER,
                                              secret=Secret(self.secret), action_user=DEFAULT_ACTION_USER,
                                              action_secret=Secret(self.action_secret))
        self._ctx.extras["pbxsim"] = self
        self._ctx.extras["queue_log"] = self.pbx.queue_log.path if self.pbx.queue_log else None
        log.info("pbxsim (embedded PBX) serving AMI on 127.0.0.1:%d", self.server.port)

    async def stop(self) -> None:
        await self.pbx.stop()
        await self.server.stop()


def build(ctx) -> PbxsimComponent | None:  # type: ignore[no-untyped-def]
    if ctx.settings.ami is not None:
        return None  # a real Asterisk is configured (C2)
    speed = float(os.environ.get("CALLCENTER_PBXSIM_SPEED") or "1")
    seed = int(os.environ.get("CALLCENTER_PBXSIM_SEED") or "1")
    return PbxsimComponent(ctx, speed, seed)
