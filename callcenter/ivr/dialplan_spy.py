"""The contexts a supervisor's listen / whisper / barge Originate enters (calls/spying.py).

Only supervisors' phones can be rung from ``callcenter-spy-phone`` (one extension each), and
ChanSpy never runs without the channel to spy on: an empty prefix would spy on every channel.
"""

from __future__ import annotations

from callcenter.calls.spying import (
    CHANSPY_OPTIONS,
    SPY_CHANNEL_VARIABLE,
    SPY_CONTEXT,
    SPY_MODES,
    SPY_PHONE_CONTEXT,
)
from callcenter.hotline import Hotline

SUPERVISOR_RING_SECONDS = 30


def spy_contexts(hotline: Hotline) -> list[str]:
    lines = ["; Listening in (web: listen / whisper / barge, supervisors only): the supervisor's phone",
             "; rings through a Local channel, then ChanSpy runs on the agent's channel. DTMF 4 listen,",
             "; 5 whisper to the agent, 6 barge in (both hear the supervisor).",
             f"[{SPY_PHONE_CONTEXT}]"]
    for agent in hotline.agents:
        if agent.role == "supervisor":
            ring = f"Dial(PJSIP/{agent.extension},{SUPERVISOR_RING_SECONDS})"
            lines.append(f"exten => {agent.extension},1,{ring}  ; {agent.name}")
            lines.append(" same => n,Hangup()")
    lines += ["", f"[{SPY_CONTEXT}]"]
    channel = "${" + SPY_CHANNEL_VARIABLE + "}"
    for mode in SPY_MODES:
        lines += [f"exten => {mode},1,GotoIf($[\"{channel}\" = \"\"]?nobody,1)",
                  f" same => n,ChanSpy({channel},{CHANSPY_OPTIONS[mode]})",
                  " same => n,Hangup()"]
    lines += ["exten => nobody,1,Hangup()", ""]
    return lines
