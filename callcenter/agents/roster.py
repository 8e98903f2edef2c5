"""Who is who: member interfaces, extensions, 工号 and the queues an agent belongs to (C1)."""

from __future__ import annotations

from callcenter.hotline import Agent, Hotline

# C1: a member interface PJSIP/<extension> is the hotline agent with that extension.
TECH = "PJSIP"


def interface_of(agent: Agent) -> str:
    return f"{TECH}/{agent.extension}"


def agent_for_interface(hotline: Hotline, interface: str | None) -> Agent | None:
    """The hotline agent behind a member interface (or a bare extension); None for the traces'
    ``Local/agentN@agents`` members, which stand for no hotline agent."""
    if not interface:
        return None
    tech, _, rest = interface.partition("/")
    if not rest:
        return hotline.agent_by_extension(tech)
    if tech.upper() != TECH:
        return None
    # Channel names carry a suffix (PJSIP/8101-00000002); interfaces do not.
    return hotline.agent_by_extension(rest.split("-", 1)[0])


def queues_of(hotline: Hotline, agent_id: str) -> list[str]:
    """The queues the agent is a member of (one per department that lists them)."""
    return [d.queue for d in hotline.departments if agent_id in d.agents]


def departments_of(hotline: Hotline, agent_id: str) -> list[str]:
    return [d.id for d in hotline.departments if agent_id in d.agents]
