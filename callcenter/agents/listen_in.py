"""A supervisor listens in on a live call: their own phone rings, then ChanSpy on the agent's
channel (listen, whisper to the agent, barge in; DTMF 4/5/6 switch during the session).

Everything that reaches the Originate comes from the hotline file and the tracker's live state:
the supervisor's extension (their 工号's), the agent's live phone channel of that very call, and
one of three fixed dialplan extensions. The user names only a Linkedid and a mode (R17).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from callcenter.agents.desk import DeskError, Forbidden, NotFound, Unavailable
from callcenter.ami.actions import caller_id
from callcenter.calls.spying import (
    SPY_CHANNEL_VARIABLE,
    SPY_CONTEXT,
    SPY_MODES,
    SPY_PHONE_CONTEXT,
    AgentLine,
    SpyMode,
    is_phone_channel,
)
from callcenter.hotline import Agent, Hotline

SUPERVISOR_RING_MS = 30_000
NO_SUCH_CALL = "没有这通正在通话中的电话 / no call in conversation with that id"
MODE_NAMES: dict[SpyMode, str] = {"listen": "监听", "whisper": "耳语", "barge": "强插"}


class ListenInError(DeskError):
    """Listening in clashes with what the supervisor's phone is doing (or asks for no known mode)."""

    status = 409


class Tracker(Protocol):
    def agent_line(self, linkedid: str) -> AgentLine | None: ...

    def is_listening_in(self, extension: str) -> bool: ...


class Originator(Protocol):
    async def originate(self, channel: str, *, context: str | None = None, exten: str | None = None,
                        priority: int = 1, application: str | None = None, data: str | None = None,
                        variables: dict[str, str] | None = None, caller_id: str | None = None,
                        timeout_ms: int = 30000, action_id: str | None = None) -> str: ...


@dataclass(frozen=True)
class ListenIn:
    """A spy session asked of Asterisk: who listens from which phone, to whom, how."""

    action_id: str
    linkedid: str
    mode: SpyMode
    supervisor_id: str
    supervisor_extension: str
    agent_id: str | None
    agent_channel: str

    def as_dict(self) -> dict[str, Any]:
        return {"action_id": self.action_id, "linkedid": self.linkedid, "mode": self.mode,
                "phone": self.supervisor_extension, "agent": self.agent_id}


def listening_supervisor(hotline: Hotline, supervisor_id: str, mode: str) -> Agent:
    """The supervisor who may listen in this way, or the DeskError that says why not."""
    supervisor = hotline.agent(supervisor_id)
    if supervisor is None or supervisor.role != "supervisor":
        raise Forbidden("只有主管可以监听 / only supervisors may listen in (R17)")
    if mode not in SPY_MODES:
        raise ListenInError(f"方式只能是 listen、whisper 或 barge / mode must be one of "
                            f"{', '.join(SPY_MODES)}")
    return supervisor


def spy_target(hotline: Hotline, tracker: Tracker | None, supervisor_id: str, linkedid: str,
               mode: str) -> tuple[str, AgentLine]:
    """The supervisor's extension and the agent line to spy on, or the DeskError that says why not."""
    supervisor = listening_supervisor(hotline, supervisor_id, mode)
    if tracker is None:  # a web front end run apart (--role web) follows no call itself
        raise Unavailable("本进程不跟踪通话，请在运行 tracker 的服务上监听 / this process tracks no calls; "
                    "listen in from a service that runs the tracker role too")
    line = tracker.agent_line(linkedid)
    if line is None or not is_phone_channel(line.channel):
        raise NotFound(NO_SUCH_CALL)
    if line.interface == f"PJSIP/{supervisor.extension}":
        raise Forbidden("不能监听自己的通话 / you cannot listen in on your own call")
    if tracker.is_listening_in(supervisor.extension):  # one session per phone; keys 4/5/6 switch
        raise ListenInError("您的话机已在监听中，请在话机上按 4 监听、5 耳语、6 强插切换 / your phone is "
                            "already listening in: press 4 listen, 5 whisper, 6 barge in on it")
    return supervisor.extension, line


async def listen_in(hotline: Hotline, tracker: Tracker | None, actions: Originator | None,
                    supervisor_id: str, linkedid: str, mode: str) -> ListenIn:
    """Ring the supervisor's phone into the call (AMI Originate, async: it rings while this returns)."""
    extension, line = spy_target(hotline, tracker, supervisor_id, linkedid, mode)
    if actions is None:
        raise Unavailable("未连接电话交换机 / no PBX is connected")
    chosen: SpyMode = next(m for m in SPY_MODES if m == mode)
    agent_extension = line.interface.removeprefix("PJSIP/")
    agent = hotline.agent_by_extension(agent_extension)
    # The supervisor's phone shows what it joins: 监听 101 <8101>.
    label = f"{MODE_NAMES[chosen]} {agent.id if agent else agent_extension}"
    action_id = await actions.originate(
        f"Local/{extension}@{SPY_PHONE_CONTEXT}", context=SPY_CONTEXT, exten=chosen,
        variables={SPY_CHANNEL_VARIABLE: line.channel}, caller_id=caller_id(label, agent_extension),
        timeout_ms=SUPERVISOR_RING_MS)
    return ListenIn(action_id, linkedid, chosen, supervisor_id, extension, agent.id if agent else None,
                    line.channel)
