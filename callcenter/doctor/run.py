"""All of the doctor's checks, in the order a deployer fixes them."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from callcenter.config import Settings
from callcenter.doctor import local, pbx, roundtrip
from callcenter.doctor.ami import AmiFailure, DoctorAmi
from callcenter.doctor.findings import Finding, fail, ok


async def _login(settings: Settings, user: str, secret: str,
                 setting: str) -> tuple[DoctorAmi | None, Finding]:
    assert settings.ami is not None
    try:
        client = await DoctorAmi.login(settings.ami.host, settings.ami.port, user, secret)
    except AmiFailure as exc:
        where = f"{settings.ami.host}:{settings.ami.port}"
        return None, fail("ami-login", f"{user} at {where}: {exc}: check CALLCENTER_AMI_HOST/_PORT, "
                                       f"{setting} and [{user}] in manager.conf (`callcenter dialplan "
                                       "render` writes both)")
    return client, ok("ami-login", f"{user} logged in")


async def diagnose(settings: Settings, env: Mapping[str, str], agi_host: str | None = None) -> list[Finding]:
    findings = [await asyncio.to_thread(local.database, settings), local.speech_model(settings)]
    ami = settings.ami
    if ami is None:
        return findings + [fail("ami-login", "CALLCENTER_AMI_HOST is not set: the Asterisk checks need "
                                             "the AMI settings (see README, Production)")]
    listener, listener_line = await _login(settings, ami.user, ami.secret.reveal(), "CALLCENTER_AMI_SECRET")
    actions, action_line = await _login(settings, ami.action_user, ami.action_secret.reveal(),
                                        "CALLCENTER_AMI_ACTION_SECRET")
    findings += [listener_line, action_line]
    try:
        if listener is not None:
            findings.append(await pbx.clock(listener))
            findings.append(await pbx.listener_permissions(listener, ami.user))
            findings.append(await pbx.loaded_dialplan(listener, settings, env, agi_host))
        if actions is not None:
            findings.append(await pbx.action_permissions(actions, ami.action_user))
        if listener is not None and actions is not None:
            findings += await roundtrip.round_trip(settings, listener, actions, agi_host=agi_host)
        else:
            findings.append(fail("fastagi", "not checked: both AMI users must log in first"))
    finally:
        for client in (listener, actions):
            if client is not None:
                await client.close()
    return findings
