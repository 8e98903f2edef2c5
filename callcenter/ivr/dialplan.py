"""Render Asterisk 20's configuration from the hotline file (contract C3).

``extensions.conf`` and ``queues.conf`` come from here, ``pjsip.conf`` and ``manager.conf`` from
``callcenter.ivr.accounts``. Only applications and options that exist in Asterisk 20 are used:
Queue(queuename,options,URL,announceoverride,timeout,AGI), MixMonitor's r()/t() per-side
files, Record()'s k option, Dial()'s A(x:y) announcement, hangup handlers.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from callcenter.config import Settings
from callcenter.hotline import Agent, Department, Hotline
from callcenter.ivr import accounts, dialplan_callbacks, dialplan_spy, logger_conf
from callcenter.ivr.dialplan_names import (
    AGENTS_CONTEXT,
    DOCTOR_CONTEXT,
    DOCTOR_EXTENSION,
    DOCTOR_SCRIPT,
)

PROMPT = "callcenter/zh/{}"
QUEUE_TIMEOUT_SECONDS = 300  # whole wait in the queue before the caller is offered a message
MESSAGE_MAX_SECONDS = 120
MESSAGE_SILENCE_SECONDS = 5



def agi_base(settings: Settings, host: str | None = None) -> str:
    """Where Asterisk reaches the FastAGI server (the service's agi_host, or loopback if it binds all)."""
    chosen = host or settings.agi_host
    if chosen in ("", "0.0.0.0", "::"):
        chosen = "127.0.0.1"
    return f"agi://{chosen}:{settings.agi_port}"


def _default_department(hotline: Hotline) -> Department:
    wanted = hotline.menu.default_department
    return hotline.department(wanted) if wanted else hotline.departments[0]  # type: ignore[return-value]


def _ring_timeout(hotline: Hotline, agent: Agent) -> int:
    # R13/R1: a direct call to one phone rings no longer than that agent's queue member timeout,
    # which the hotline file already keeps under one three-ring window.
    timeouts = [d.member_timeout_seconds for d in hotline.departments if agent.id in d.agents]
    return min(timeouts) if timeouts else min(d.member_timeout_seconds for d in hotline.departments)


def _announce(agent: Agent) -> str:
    # Dial A(x:y): x to the agent, y to the caller, at the same time, before the bridge. Both hear
    # 工号N为您服务 (R3), so the agent knows when the caller has heard it and can speak. The ring is
    # capped below three rings, so the standard (not the apology) variant is right here (R2).
    prompt = PROMPT.format(f"agent_{agent.id}")
    return f"A({prompt}:{prompt})"


def _inbound(agi: str, fallback_queue: str) -> list[str]:
    return [
        "; Trunk calls land here (point the trunk's endpoint context at callcenter-inbound).",
        "[callcenter-inbound]",
        "exten => _X.,1,Answer()  ; R3: the hotline answers at once, the greeting comes from the AGI",
        " same => n,Set(__TRANSFER_CONTEXT=callcenter-transfer)"
        "  ; agents' blind transfers go to R12 handling",
        (" same => n,MixMonitor(${UNIQUEID}.wav,r(${UNIQUEID}-caller.wav)t(${UNIQUEID}-agent.wav))"
        "  ; one file per side for transcription"),
        f" same => n,AGI({agi}/inbound)  ; service: greeting, menu, routing (R3, R14, R15, R18)",
        " same => n,GotoIf($[\"${CC_ROUTE}\" = \"\"]?callcenter-route,fallback,1)",
        " same => n,ExecIf($[\"${CC_CALLER_NAME}\" != \"\"]?Set(CALLERID(name)=${CC_CALLER_NAME}))"
        "  ; R15 on the phone",
        " same => n,Goto(callcenter-route,${CC_ROUTE},1)",
        "",
        "; Where the service's decision (CC_ROUTE) sends the call.",
        "[callcenter-route]",
        (f"exten => queue,1,Queue(${{CC_TARGET}},t,,,{QUEUE_TIMEOUT_SECONDS},{agi}/answered)"
        "  ; service: 工号 greeting on answer (R2, R3)"),
        " same => n,Goto(callcenter-message,transfer_failed,1)"
        "  ; nobody answered in time: take a message (R12)",
        "exten => extension,1,Goto(callcenter-owner,${CC_TARGET},1)  ; R14: the ticket owner first",
        "exten => after_hours,1,Goto(callcenter-message,after_hours,1)  ; R18",
        f"exten => blocked,1,Playback({PROMPT.format('blocked')})",
        " same => n,Hangup()",
        "; The service could not be asked (down or unreachable): the call still reaches people (R18).",
        f"exten => fallback,1,Set(CC_TARGET={fallback_queue})",
        " same => n,Goto(callcenter-route,queue,1)",
        "exten => done,1,Hangup()  ; a bridged call that ended: nothing more to do",
        "",
    ]


def _owner(hotline: Hotline) -> list[str]:
    lines = ["; R14: a repeat caller's ticket owner, while free, rings first; then the department's queue.",
             "[callcenter-owner]"]
    for agent in hotline.agents:
        lines += [
            (f"exten => {agent.extension},1,Dial(PJSIP/{agent.extension},{_ring_timeout(hotline, agent)},"
            f"{_announce(agent)})"),
            " same => n,GotoIf($[\"${DIALSTATUS}\" = \"ANSWER\"]?callcenter-route,done,1)",
            " same => n,Set(CC_TARGET=${CC_QUEUE})",
            " same => n,Goto(callcenter-route,queue,1)",
        ]
    return lines + [""]


def _transfer(hotline: Hotline) -> list[str]:
    lines = ["; R12: a caller transferred to a colleague (blind transfer or the service's Redirect);",
             "; unanswered -> transfer_failed prompt, a message, and a callback from the service.",
             "[callcenter-transfer]"]
    for agent in hotline.agents:
        lines += [
            f"exten => {agent.extension},1,Set(CC_AGENT_ID={agent.id})",
            f" same => n,Playback({PROMPT.format('transferring')})",
            f" same => n,Dial(PJSIP/{agent.extension},{_ring_timeout(hotline, agent)},{_announce(agent)})",
            " same => n,GotoIf($[\"${DIALSTATUS}\" = \"ANSWER\"]?callcenter-route,done,1)",
            " same => n,Goto(callcenter-message,transfer_failed,1)",
        ]
    return lines + [""]


def _message(agi: str) -> list[str]:
    return [
        "; A recorded message; the hangup handler tells the service, which schedules the callback",
        "; (R12, R18). The handler runs however the caller ends: '#', silence or hanging up.",
        "[callcenter-message]",
        "exten => after_hours,1,Set(CC_MESSAGE_REASON=after_hours)",
        " same => n,Set(CHANNEL(hangup_handler_push)=callcenter-message-left,s,1)"
        "  ; even without a message (R18)",
        f" same => n,Playback({PROMPT.format('after_hours')})",
        " same => n,Goto(callcenter-message,record,1)",
        "exten => transfer_failed,1,Set(CC_MESSAGE_REASON=transfer_failed)",
        " same => n,Set(CHANNEL(hangup_handler_push)=callcenter-message-left,s,1)"
        "  ; even without a message (R12)",
        f" same => n,Playback({PROMPT.format('transfer_failed')})",
        " same => n,Goto(callcenter-message,record,1)",
        (f"exten => record,1,Record(${{ASTSPOOLDIR}}/monitor/callcenter-message-${{UNIQUEID}}.wav,"
        f"{MESSAGE_SILENCE_SECONDS},{MESSAGE_MAX_SECONDS},k)"
        "  ; k: keep the message when the caller hangs up"),
        " same => n,Hangup()",
        "",
        "[callcenter-message-left]",
        "exten => s,1,Set(AGISIGHUP=no)  ; the channel is already gone: no HANGUP notices to the AGI",
        f" same => n,AGI({agi}/message)  ; service: MessageLeft -> callback",
        " same => n,Return()",
        "",
    ]


def _doctor(agi: str) -> list[str]:
    return [
        "; `callcenter doctor`: a call into probe@callcenter-doctor runs one FastAGI round trip and reports",
        "; what the service asked Asterisk (prompts on disk, the shared recordings folder).",
        f"[{DOCTOR_CONTEXT}]",
        f"exten => {DOCTOR_EXTENSION},1,Answer()",
        f" same => n,AGI({agi}/{DOCTOR_SCRIPT})",
        (" same => n,UserEvent(CallcenterDoctor,Token: ${CC_DOCTOR_TOKEN},AgiStatus: ${AGISTATUS},"
         "Probe: ${CC_DOCTOR_PROBE},Spool: ${CC_DOCTOR_SPOOL},Missing: ${CC_DOCTOR_MISSING})"),
        " same => n,Hangup()",
        "",
    ]


def _agents(hotline: Hotline) -> list[str]:
    lines = ["; The softphones' own context: agents call each other by extension.", f"[{AGENTS_CONTEXT}]"]
    for agent in hotline.agents:
        lines.append(f"exten => {agent.extension},1,Dial(PJSIP/{agent.extension},30)  ; {agent.name}")
        lines.append(" same => n,Hangup()")
    return lines + [""]


def render_extensions(settings: Settings, agi_host: str | None = None,
                      env: Mapping[str, str] | None = None) -> str:
    hotline = settings.hotline
    agi = agi_base(settings, agi_host)
    header = ["; extensions.conf for the hotline of " + hotline.centre.name,
              "; Rendered by `callcenter dialplan render` from the hotline file; edit "
              "that file, not this one.",
              "; Prompts live in Asterisk's sounds directory under callcenter/zh/ (see README).", "",
              *dialplan_callbacks.globals_section(env or {})]
    body = (_inbound(agi, _default_department(hotline).queue) + _owner(hotline) + _transfer(hotline)
            + _message(agi) + _agents(hotline) + _doctor(agi) + dialplan_callbacks.callback_contexts(hotline)
            + dialplan_spy.spy_contexts(hotline))
    return "\n".join(header + body)


def member_name(agent: Agent) -> str:
    """The queue's MEMBERNAME: 工号 first, so the answered script can fall back on it (R3)."""
    return f"{agent.id} {agent.name}"


def render_queues(hotline: Hotline) -> str:
    lines = ["; queues.conf: one queue per department of " + hotline.centre.name,
             "; Rendered by `callcenter dialplan render`; edit the hotline file, not this one.", "",
             "[general]", "persistentmembers = yes", "shared_lastcall = yes", ""]
    for dept in hotline.departments:
        lines += [
            f"[{dept.queue}]  ; {dept.name}",
            "strategy = rrmemory",
            f"timeout = {dept.member_timeout_seconds}  ; R13: roll over before the caller hears three rings",
            "retry = 1",
            "ringinuse = no",
            "setinterfacevar = yes  ; MEMBERINTERFACE/MEMBERNAME for the answered AGI (R3)",
            "timeoutrestart = no",
            "joinempty = yes",
            "leavewhenempty = no",
            "musicclass = default",
            "announce-frequency = 0",
            "reportholdtime = no",
        ]
        for agent_id in dept.agents:
            agent = hotline.agent(agent_id)
            assert agent is not None  # the hotline validation guarantees it
            lines.append(f"member => PJSIP/{agent.extension},0,{member_name(agent)},PJSIP/{agent.extension}")
        lines.append("")
    return "\n".join(lines)


def render_all(settings: Settings, out_dir: Path, env: Mapping[str, str],
               agi_host: str | None = None) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "extensions.conf": render_extensions(settings, agi_host, env),
        "queues.conf": render_queues(settings.hotline),
        "pjsip.conf": accounts.render_pjsip(settings, env),
        "manager.conf": accounts.render_manager(settings, env),
        "logger.conf": logger_conf.render_logger(),
    }
    written = []
    for name, text in files.items():
        path = out_dir / name
        if name in ("pjsip.conf", "manager.conf"):  # they hold passwords
            accounts.write_private(path, text)
        else:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
