"""The round trip from Asterisk's side: the action user originates a call into the rendered test
extension (probe@callcenter-doctor); Asterisk runs the FastAGI ``doctor`` script, which asks
Asterisk about the prompts and the recordings folder, and reports back in a UserEvent the listener
reads. When no service holds the FastAGI port, the doctor answers on it itself (preflight)."""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path

from callcenter.config import Settings
from callcenter.doctor import local
from callcenter.doctor.ami import DoctorAmi, Headers
from callcenter.doctor.findings import Finding, fail, ok
from callcenter.errors import ConfigError
from callcenter.ivr import accounts
from callcenter.ivr.agi import AgiServer
from callcenter.ivr.dialplan import agi_base
from callcenter.ivr.dialplan_names import DOCTOR_CONTEXT, DOCTOR_EXTENSION, DOCTOR_SCRIPT
from callcenter.ivr.doctor_agi import doctor_script, probe_name
from callcenter.listening import listening_socket

REPORT_TIMEOUT = 20.0
# What the listener must read to follow a call (manager.conf read classes), with an event of the
# round trip that shows each one arrives.
LISTENER_EVIDENCE = {"call": "Newchannel", "agi": "AGIExecStart", "user": "UserEvent"}


@contextlib.asynccontextmanager
async def fastagi(settings: Settings) -> AsyncIterator[str]:
    """Serve the doctor script on the FastAGI address unless the service already does."""
    try:
        sock = listening_socket(settings.agi_host, settings.agi_port, host_setting="CALLCENTER_AGI_HOST",
                                port_setting="CALLCENTER_AGI_PORT")
    except ConfigError:
        yield "the running service"
        return
    server = AgiServer({DOCTOR_SCRIPT: doctor_script(settings.hotline)}, time.time,
                       settings.agi_allowed_hosts)
    await server.start(sock)
    try:
        yield "the doctor (no service was listening)"
    finally:
        await server.stop()


def _ours(token: str, event: Headers) -> bool:
    return event.get("Event") == "UserEvent" and event.get("UserEvent") == "CallcenterDoctor" \
        and event.get("Token") == token


async def round_trip(settings: Settings, listener: DoctorAmi, actions: DoctorAmi, *, agi_host: str | None,
                     timeout: float = REPORT_TIMEOUT) -> list[Finding]:
    token = secrets.token_hex(8)
    name = probe_name(token)
    probe, problem = local.write_probe(settings, name)
    findings = [problem] if problem is not None else []
    url = f"{agi_base(settings, agi_host)}/{DOCTOR_SCRIPT}"
    try:
        async with fastagi(settings) as server:
            answer = await actions.action(
                "Originate", Channel=f"Local/{DOCTOR_EXTENSION}@{DOCTOR_CONTEXT}", Application="Wait",
                Data=str(int(timeout)), Async="true", Variable=f"CC_DOCTOR_TOKEN={token}")
            if answer.get("Response") != "Success":
                return findings + [fail("fastagi", f"Asterisk refused to originate the test call "
                                                   f"({answer.get('Message')}): the action AMI user needs "
                                                   f"`write = {accounts.ACTION_WRITE}`")]
            report = await listener.wait_for(lambda e: _ours(token, e), timeout)
            findings += _read_classes(listener, actions, report)
            findings += _results(settings, report, url, server, name)
    finally:
        for leftover in (probe, settings.recordings_dir / f"{name}.wav"):
            if leftover is not None:
                with contextlib.suppress(OSError):
                    Path(leftover).unlink(missing_ok=True)
    return findings


def _read_classes(listener: DoctorAmi, actions: DoctorAmi, report: Headers | None) -> list[Finding]:
    if report is None:
        return []  # nothing to judge by: the FastAGI line says what to fix
    channel = report.get("Channel", "")
    seen = {e.get("Event") for e in listener.events if e.get("Channel") == channel}
    agi_ran = report.get("AgiStatus") == "SUCCESS" and bool(report.get("Probe"))
    missing = [cls for cls, event in LISTENER_EVIDENCE.items()
               if event not in seen and (cls != "agi" or agi_ran)]  # no AGI ran: no AGI events to see
    out = []
    if missing:
        out.append(fail("ami-permissions", f"the listener did not receive the test call's "
                                           f"{', '.join(LISTENER_EVIDENCE[c] for c in missing)} events: set "
                                           f"`read = {accounts.LISTENER_READ}` in manager.conf, then "
                                           "`manager reload`"))
    if not any(e.get("Event") == "OriginateResponse" for e in actions.events):
        out.append(fail("ami-permissions", "the action user did not receive OriginateResponse: set "
                                           f"`read = {accounts.ACTION_READ}` for it in manager.conf"))
    if not out:
        out.append(ok("ami-permissions", "both users receive the events they need"))
    return out


def _results(settings: Settings, report: Headers | None, url: str, server: str, name: str) -> list[Finding]:
    if report is None:
        return [fail("fastagi", f"the test call into {DOCTOR_EXTENSION}@{DOCTOR_CONTEXT} never reported: "
                               "render the dialplan and `dialplan reload` on Asterisk (the listener AMI user "
                               f"needs `read = {accounts.LISTENER_READ}`)")]
    status = report.get("AgiStatus", "")
    if status != "SUCCESS":
        line = (f"Asterisk could not reach {url} (AGISTATUS={status or 'none'}): start `callcenter run` and "
                "make CALLCENTER_AGI_HOST/_PORT the address Asterisk dials (`dialplan render --agi-host`)")
    elif not report.get("Probe"):
        line = (f"Asterisk reached {url} but no doctor script answered: list Asterisk's address in "
                "CALLCENTER_AGI_ALLOWED_HOSTS (and update the service to this version)")
    if status != "SUCCESS" or not report.get("Probe"):
        return [fail("fastagi", line),
                fail("prompts", "not checked: the FastAGI round trip failed"),
                fail("recordings", "not checked: the FastAGI round trip failed")]
    out = [ok("fastagi", f"Asterisk ran {url}, answered by {server}")]
    missing = report.get("Missing", "-")
    if missing != "-":
        names = missing.replace(" ", ",")
        out.append(fail("prompts", f"Asterisk's sounds folder lacks callcenter/zh/{{{names}}}.wav: run "
                                   "`callcenter sounds build` and copy the sounds folder to "
                                   "Asterisk's <astdatadir>/sounds/callcenter"))
    else:
        out.append(ok("prompts", "every prompt is in Asterisk's sounds folder"))
    spool, folder = report.get("Spool", "?"), settings.recordings_dir
    if report.get("Probe") != "1":
        out.append(fail("recordings", f"Asterisk's recordings folder {spool} is not the service's {folder}: "
                                      "mount one volume at both places (or one shared folder) so Asterisk "
                                      "writes where the service reads"))
    elif not (folder / f"{name}.wav").exists():
        out.append(fail("recordings", f"Asterisk cannot write into {spool}: make the shared folder writable "
                                      "by Asterisk's user"))
    else:
        out.append(ok("recordings", f"Asterisk's {spool} is the service's {folder}, writable by both"))
    return out
