"""The checks made through Asterisk's manager interface: both AMI users' logins and rights, the
dialplan Asterisk has loaded, its clock."""

from __future__ import annotations

import time
from collections.abc import Mapping

from callcenter.config import Settings
from callcenter.doctor.ami import DoctorAmi
from callcenter.doctor.findings import Finding, fail, ok
from callcenter.ivr import accounts, dialplan, extensions_conf

# What each user sends (ami/connection.py, ami/actions.py; the doctor's ShowDialPlan), and what
# the listener must not be able to do (R: least privilege, the listener is read-only).
LISTENER_NEEDS = ("CoreShowChannels", "Getvar", "ShowDialPlan")
LISTENER_MUST_NOT = ("Originate", "Redirect", "Hangup", "QueuePause")
ACTION_NEEDS = ("Originate", "Redirect", "Hangup", "QueueAdd", "QueueRemove", "QueuePause")
CLOCK_TOLERANCE_SECONDS = 1.0  # ring times (R1) come from Asterisk's Timestamps, kept against ours


def permissions(user: str, commands: Mapping[str, str], needs: tuple[str, ...], must_not: tuple[str, ...],
                read: str, write: str) -> Finding:
    """From ListCommands, which lists the actions the user's ``write`` classes allow."""
    missing = [name for name in needs if name not in commands]
    extra = [name for name in must_not if name in commands]
    fix = f"set `read = {read}` and `write = {write}` for [{user}] in manager.conf (`callcenter dialplan " \
          "render` writes them), then `manager reload`"
    if missing:
        return fail("ami-permissions", f"{user} may not send {', '.join(missing)}: {fix}")
    if extra:
        return fail("ami-permissions", f"{user} may send {', '.join(extra)}, more than it needs: {fix}")
    return ok("ami-permissions", f"{user} may send {', '.join(needs)}" +
              (f" and not {', '.join(must_not)}" if must_not else ""))


async def listener_permissions(client: DoctorAmi, user: str) -> Finding:
    answer = await client.action("ListCommands")
    return permissions(user, answer, LISTENER_NEEDS, LISTENER_MUST_NOT, accounts.LISTENER_READ,
                       accounts.LISTENER_WRITE)


async def action_permissions(client: DoctorAmi, user: str) -> Finding:
    answer = await client.action("ListCommands")
    return permissions(user, answer, ACTION_NEEDS, (), accounts.ACTION_READ, accounts.ACTION_WRITE)


def _describe(step: tuple[str, str, int, str, str]) -> str:
    context, exten, priority, app, data = step
    return f"{context} {exten},{priority},{app}({data})"


async def loaded_dialplan(client: DoctorAmi, settings: Settings, env: Mapping[str, str],
                          agi_host: str | None) -> Finding:
    wanted = extensions_conf.parse(dialplan.render_extensions(settings, agi_host, env))
    rendered = {(p.context, p.extension, p.priority, p.application, p.data) for p in wanted}
    loaded: set[tuple[str, str, int, str, str]] = set()
    absent: list[str] = []
    for context in extensions_conf.by_context(wanted):
        answer, events = await client.listing("ShowDialPlan", Context=context)
        if answer.get("Response") != "Success":
            if "Did not find context" not in answer.get("Message", ""):
                return fail("dialplan", f"ShowDialPlan refused ({answer.get('Message')}): the listener AMI "
                                        f"user needs `write = {accounts.LISTENER_WRITE}` in manager.conf")
            absent.append(context)
            continue
        for event in events:
            if event.get("Priority", "").isdigit() and "Extension" in event:
                loaded.add((context, event["Extension"], int(event["Priority"]), event.get("Application", ""),
                            event.get("AppData", "")))
    fix = "run `callcenter dialplan render` (same --agi-host), copy extensions.conf to Asterisk and " \
          "run `dialplan reload` there"
    if absent:
        return fail("dialplan", f"Asterisk has not loaded {', '.join(absent)}: {fix}")
    if loaded != rendered:
        stale = sorted(loaded - rendered)
        wanted_now = sorted(rendered - loaded)
        first = (f"Asterisk runs {_describe(stale[0])}" if stale else "") + \
                (f"{'; ' if stale else ''}the render has {_describe(wanted_now[0])}" if wanted_now else "")
        return fail("dialplan", f"Asterisk's dialplan differs from the render in "
                                f"{len(stale) + len(wanted_now)} steps ({first}): {fix}")
    return ok("dialplan", f"Asterisk runs the rendered dialplan ({len(rendered)} steps in "
                          f"{len(extensions_conf.by_context(wanted))} contexts)")


async def clock(client: DoctorAmi) -> Finding:
    sent = time.time()
    answer = await client.action("Ping")
    received = time.time()
    try:
        theirs = float(answer.get("Timestamp", ""))
    except ValueError:
        return fail("clock", "Asterisk's Ping answer has no Timestamp: Asterisk 20 or newer is needed")
    skew = theirs - (sent + received) / 2
    if abs(skew) > CLOCK_TOLERANCE_SECONDS:
        side = "ahead of" if skew > 0 else "behind"
        return fail("clock", f"Asterisk's clock is {abs(skew):.1f} s {side} this machine's: run NTP "
                             "(chrony or systemd-timesyncd) on both machines")
    return ok("clock", f"Asterisk and this machine agree within {abs(skew):.2f} s")
