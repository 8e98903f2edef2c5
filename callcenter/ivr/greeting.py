"""Which announcement a caller hears when an agent answers (R2, R3): pure, no I/O.

R3: the agent's 工号 is announced (工号一零一为您服务). R2: answered after the third ring, the
apology comes first (对不起，让您久等了，…). The ring arithmetic (R1, across roll-overs R13) is the
tracker's: its GreetingDecision says standard or apology; without one (an unknown call) the
standard greeting is played rather than a wrong apology.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from callcenter.hotline import Agent, Hotline

Greeting = Literal["standard", "apology"]


@dataclass(frozen=True)
class AnswerAnnouncement:
    prompt: str  # sound name under callcenter/zh/
    greeting: Greeting
    agent_id: str | None
    decided_by: Literal["tracker", "default"]


def agent_for_member(hotline: Hotline, interface: str | None, member_name: str | None) -> Agent | None:
    """The hotline agent behind a queue member: PJSIP/<extension>, else a MEMBERNAME starting
    with the 工号 (as the rendered queues.conf writes it). Local/agentN@agents has none."""
    if interface:
        tech, _, resource = interface.partition("/")
        if tech.upper() == "PJSIP":
            agent = hotline.agent_by_extension(resource.split("/")[0])
            if agent is not None:
                return agent
    if member_name:
        first = member_name.split()[0] if member_name.split() else ""
        return hotline.agent(first)
    return None


def announcement(agent: Agent | None, greeting: Greeting | None) -> AnswerAnnouncement:
    chosen: Greeting = greeting or "standard"
    base = f"agent_{agent.id}" if agent is not None else "agent"
    prompt = f"{base}_apology" if chosen == "apology" else base
    return AnswerAnnouncement(prompt, chosen, agent.id if agent else None,
                              "tracker" if greeting is not None else "default")
