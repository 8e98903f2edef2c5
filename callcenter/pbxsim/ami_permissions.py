"""manager.conf's read/write classes, as Asterisk 20 applies them: an action runs when the user's
write classes meet the action's (an action of no class runs for anyone, else ``Permission
denied``); ListCommands lists
what the write classes allow (a session reads an event whose classes its read
classes hold: ``Session.event``), each with its synopsis and ``(Priv: …)`` as Asterisk 20.20.1 prints
them; ShowDialPlan lists the loaded extensions.conf."""

from __future__ import annotations

from typing import TYPE_CHECKING

from callcenter.ivr import extensions_conf
from callcenter.pbxsim.wire import Headers, first

if TYPE_CHECKING:
    from callcenter.pbxsim.ami_session import Session
    from callcenter.pbxsim.pbx import Pbx

ALL_CLASSES = frozenset(("system", "call", "log", "verbose", "command", "agent", "user", "config", "dtmf",
                         "reporting", "cdr", "dialplan", "originate", "agi", "cc", "aoc", "test", "security",
                         "message"))
# action (lower case) -> (name, synopsis, classes); () is "<none>" (anyone may send it).
ACTIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    entry[0].lower(): entry for entry in [
        ("BlindTransfer", "Blind transfer channel(s) to the given destination ", ("call",)),
        ("Challenge", "Generate Challenge for MD5 Auth. ", ()),
        ("CoreShowChannels", "List currently active channels. ", ("system", "reporting")),
        ("Events", "Control Event Flow. ", ()),
        ("Getvar", "Gets a channel variable or function value. ", ("call", "reporting")),
        ("Hangup", "Hangup channel. ", ("system", "call")),
        ("ListCommands", "List available manager commands. ", ()),
        ("Login", "Login Manager. ", ()),
        ("Logoff", "Logoff Manager. ", ()),
        ("Originate", "Originate a call. ", ("originate",)),
        ("Ping", "Keepalive command. ", ()),
        ("QueueAdd", "Add interface to queue. ", ("agent",)),
        ("QueuePause", "Makes a queue member temporarily unavailable. ", ("agent",)),
        ("QueueRemove", "Remove interface from queue. ", ("agent",)),
        ("QueueStatus", "Show queue status. ", ()),
        ("QueueSummary", "Show queue summary. ", ()),
        ("Redirect", "Redirect (transfer) a call. ", ("call",)),
        ("Setvar", "Sets a channel variable or function value. ", ("call",)),
        ("ShowDialPlan", "Show dialplan contexts and extensions ", ("config", "reporting")),
    ]
}

ACTIONS_BY_NAME = {entry[0] for entry in ACTIONS.values()}


def classes(text: str) -> frozenset[str]:
    """``read = system,call`` → the classes; ``all`` is every class."""
    names = {part.strip().lower() for part in text.split(",") if part.strip()}
    return ALL_CLASSES if "all" in names else frozenset(names & ALL_CLASSES)


def may_send(session: Session, action: str) -> bool:
    entry = ACTIONS.get(action)
    return entry is None or not entry[2] or bool(session.write & set(entry[2]))


async def list_commands(pbx: Pbx, session: Session, action: Headers) -> None:
    allowed = sorted((entry for key, entry in ACTIONS.items() if may_send(session, key)),
                     key=lambda entry: entry[0].lower())
    session.respond(action, "Success", *[
        (name, f"{synopsis} (Priv: {','.join(list(cls) + ['all']) if cls else '<none>'})")
        for name, synopsis, cls in allowed])


async def show_dialplan(pbx: Pbx, session: Session, action: Headers) -> None:
    wanted = first(action, "Context")
    steps = [s for s in extensions_conf.parse(pbx.config.dialplan or "") if not wanted or s.context == wanted]
    # Asterisk keeps a context's extensions sorted (pbx.c ext_cmp): exact ones by their text,
    # before the patterns; each extension's priorities in order.
    contexts = list(dict.fromkeys(s.context for s in steps))
    steps.sort(key=lambda s: (contexts.index(s.context), s.extension.startswith("_"), s.extension,
                              s.priority))
    if wanted and not steps:
        session.respond(action, "Error", ("Message", f"Did not find context {wanted}"))
        return
    session.respond(action, "Success", ("EventList", "start"), ("Message", "DialPlan list will follow"))
    action_id = first(action, "ActionID")
    tag = [("ActionID", action_id)] if action_id else []
    for step in steps:
        label = [("ExtensionLabel", step.label)] if step.label else []
        session.send([("Event", "ListDialplan")] + tag + [
            ("Context", step.context), ("Extension", step.extension)] + label + [
            ("Priority", str(step.priority)), ("Application", step.application), ("AppData", step.data),
            ("Registrar", "pbx_config")])
    session.send([("Event", "ShowDialPlanComplete")] + tag + [
        ("EventList", "Complete"), ("ListItems", str(len(steps))),
        ("ListExtensions", str(len({(s.context, s.extension) for s in steps}))),
        ("ListPriorities", str(len(steps))), ("ListContexts", str(len({s.context for s in steps})))])
