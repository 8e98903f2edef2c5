"""All of the doctor's checks, in the order a deployer fixes them."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from callcenter.config import Settings
from callcenter.doctor import local, pbx, roundtrip, stores
from callcenter.doctor.ami import AmiFailure, DoctorAmi
from callcenter.doctor.findings import Finding, fail, ok
from callcenter.roles import all_in_one


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


def _no_ami() -> Finding:
    return fail("ami-login", "CALLCENTER_AMI_HOST is not set: the Asterisk checks need the AMI settings "
                             "(see README, Production)")


async def diagnose(settings: Settings, env: Mapping[str, str], agi_host: str | None = None,
                   roles: Sequence[str] = ()) -> list[Finding]:
    """Every check (the all-in-one service), or only what the given roles need (issue 16): a web
    front end the database and the recordings it plays; a tracker its Asterisk, FastAGI, prompts,
    the shared recordings folder and its spool; a worker the model and the recordings; a
    scheduler the action user that originates the callbacks."""
    if all_in_one(roles):
        return await _everything(settings, env, agi_host)
    wanted = set(roles)
    findings = [await asyncio.to_thread(local.database, settings)]
    if "worker" in wanted:
        findings.append(local.speech_model(settings))
    if "tracker" in wanted:
        findings.append(stores.spool(settings))
    if wanted & {"web", "worker"}:
        findings += await stores.recording_stores(settings)
    if "tracker" in wanted:
        findings += await _asterisk(settings, env, agi_host)
    elif "scheduler" in wanted:
        findings += await _originate(settings)
    return findings


async def _originate(settings: Settings) -> list[Finding]:
    """The scheduler only originates: its action user's login and rights."""
    ami = settings.ami
    if ami is None:
        return [_no_ami()]
    actions, line = await _login(settings, ami.action_user, ami.action_secret.reveal(),
                                 "CALLCENTER_AMI_ACTION_SECRET")
    if actions is None:
        return [line]
    try:
        return [line, await pbx.action_permissions(actions, ami.action_user)]
    finally:
        await actions.close()


async def _everything(settings: Settings, env: Mapping[str, str], agi_host: str | None) -> list[Finding]:
    findings = [await asyncio.to_thread(local.database, settings), local.speech_model(settings)]
    return findings + await _asterisk(settings, env, agi_host)


async def _asterisk(settings: Settings, env: Mapping[str, str], agi_host: str | None) -> list[Finding]:
    findings: list[Finding] = []
    ami = settings.ami
    if ami is None:
        return [_no_ami()]
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
